"""ContrastASPPHead: ContrastiveSeg loss next to the CE, warm-up, memory update, state."""

import pytest
import torch
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import mmproto  # noqa: F401
from mmproto.ops import step_generator
from mmproto.ops.pixel_contrast import hard_anchor_sampling, pixel_contrast_loss


def build(**kw):
    cfg = dict(
        type='ContrastASPPHead',
        in_channels=8,
        channels=4,
        dilations=(1, 2),
        in_index=0,
        num_classes=3,
        dropout_ratio=0.0,
        proj_channels=6,
        memory_size=7,
        pixel_update_freq=2,
        warmup_iters=1,
        loss_contrast=dict(type='PixelContrastLoss', loss_weight=0.5, max_samples=64, max_views=4),
    )
    cfg.update(kw)
    torch.manual_seed(0)
    head = MODELS.build(cfg)
    head.init_weights()
    return head


def data(seed=0, b=2, size=8):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(b, 8, size, size, generator=g)
    out = []
    for _ in range(b):
        gt = torch.randint(0, 3, (size * 2, size * 2), generator=g)
        gt[:3] = 255
        s = SegDataSample(metainfo=dict(img_shape=gt.shape, pad_shape=gt.shape))
        s.gt_sem_seg = PixelData(data=gt[None])
        out.append(s)
    return [x], out


@pytest.mark.parametrize('use_memory', [True, False])
def test_loss_warmup_memory_and_gradient(use_memory):
    head = build(use_memory=use_memory)
    head.train()
    inputs, samples = data()
    losses = head.loss(inputs, samples, None)
    assert set(losses) >= {'loss_ce', 'loss_contrast'}
    assert losses['loss_contrast'].item() == 0.0  # warm-up iteration
    assert int(head.contrast_iters) == 1
    if use_memory:
        assert int(head.queues.num_updates) == 1 and head.queues.segment_ptr.sum() > 0
        contrast = head.queues.contrast_set()
    else:
        contrast = (None, None)
    # the next iteration's contrastive term equals the ops on the same embeddings and anchors
    inputs, samples = data(1)
    emb = head.embed(inputs).flatten(2).transpose(1, 2)
    labels = head.pixel_labels(samples, (8, 8))
    assert torch.all(labels[:, :8] == -1)  # gt rows 0-2 (ignore) at stride 2: row 0, 1
    with torch.no_grad():
        preds = head.forward(inputs).argmax(1).flatten(1)
    gen = step_generator(0, 1)  # contrast_seed 0, the second iteration, rank 0
    idx, cls = hard_anchor_sampling(labels, preds, 64, 4, gen)
    anchors = emb.reshape(-1, 6)[idx.reshape(-1)]
    expected = 0.5 * pixel_contrast_loss(anchors, cls.repeat_interleave(idx.shape[1]), *contrast)
    losses = head.loss(inputs, samples, None)
    assert losses['loss_contrast'].item() == pytest.approx(expected.item(), rel=1e-5)
    assert losses['loss_contrast'].item() > 0
    losses['loss_contrast'].backward()
    assert head.proj_head[1].weight.grad.abs().sum() > 0
    keys = set(head.state_dict())
    assert 'contrast_iters' in keys
    if use_memory:
        assert {'queues.segment_queue', 'queues.pixel_queue', 'queues.pixel_ptr'} <= keys


def test_predict_is_aspp_and_bad_labels():
    head = build()
    head.eval()
    inputs, samples = data()
    out = head.predict(inputs, [s.metainfo for s in samples], dict())
    assert out.shape == (2, 3, 16, 16)
    samples[0].gt_sem_seg.data[0, 4, 4] = 7
    head.train()
    with pytest.raises(ValueError, match='label 7'):
        head.loss(inputs, samples, None)
