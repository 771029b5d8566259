"""DNC decode heads: forward / loss / predict on tiny inputs, label resizing, ignore pixels."""

import pytest
import torch
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import mmproto  # noqa: F401

C, K, D = 4, 3, 16

HEADS = {
    'DNCFCNHead': dict(in_channels=8, num_convs=1),
    'DNCASPPHead': dict(in_channels=8, dilations=(1, 2)),
    'DNCUPerHead': dict(in_channels=[8, 8], in_index=[0, 1], pool_scales=(1, 2)),
}


def build_head(name, **kwargs):
    cfg = dict(type=name, channels=D, num_classes=C, num_subcentroids=K, dropout_ratio=0.0)
    cfg.update(HEADS[name])
    cfg.update(kwargs)
    torch.manual_seed(0)
    head = MODELS.build(cfg)
    head.init_weights()
    return head


def inputs_for(name, b=2, size=8):
    g = torch.Generator().manual_seed(1)
    if name == 'DNCUPerHead':
        return [
            torch.randn(b, 8, size, size, generator=g),
            torch.randn(b, 8, size // 2, size // 2, generator=g),
        ]
    return [torch.randn(b, 8, size, size, generator=g)]


def samples(gts):
    out = []
    for gt in gts:
        s = SegDataSample(metainfo=dict(img_shape=tuple(gt.shape), pad_shape=tuple(gt.shape)))
        s.gt_sem_seg = PixelData(data=gt[None].long())
        out.append(s)
    return out


def random_gt(b, size, ignore=0.2, seed=2, num_classes=C):
    g = torch.Generator().manual_seed(seed)
    gt = torch.randint(0, num_classes, (b, size, size), generator=g)
    gt[torch.rand(b, size, size, generator=g) < ignore] = 255
    return gt


@pytest.mark.parametrize('name', list(HEADS))
def test_forward_loss_predict(name):
    head = build_head(name)
    assert not hasattr(head, 'conv_seg')
    assert not any('conv_seg' in k for k in head.state_dict())
    assert head.classifier.prototypes.shape == (C, K, D)
    assert head.classifier.bank.sync == 'reduce'
    head.classifier.attach_subcentroid_updater()  # what SubCentroidUpdateHook does

    x = inputs_for(name)
    gt = random_gt(2, 32)
    head.train()
    losses = head.loss(x, samples(gt), train_cfg={})
    assert set(losses) == {'loss_ce', 'acc_seg'}
    losses['loss_ce'].backward()
    assert head.classifier.feat_norm.weight.grad is not None
    before = head.classifier.prototypes.clone()
    stats = head.classifier.update_subcentroids()
    assert 'subcentroid_moved' in stats
    assert not torch.equal(before, head.classifier.prototypes)
    torch.testing.assert_close(
        head.classifier.prototypes.norm(dim=-1), torch.ones(C, K), rtol=0, atol=1e-5
    )

    head.eval()
    metas = [dict(img_shape=(32, 32), pad_shape=(32, 32))] * 2
    with torch.no_grad():
        logits = head.predict(x, metas, test_cfg={})
    assert logits.shape == (2, C, 32, 32)
    # eval logits = nearest sub-centroid scores passed through LN_C
    with torch.no_grad():
        feats = head.forward(x)
    assert feats.shape == (2, C, 8, 8)
    assert feats.is_contiguous()  # NCHW: the upsampling to the label size needs no copy


def test_scores_are_nearest_subcentroid():
    head = build_head('DNCFCNHead', feat_norm=False, logit_norm='none').eval()
    feat = torch.randn(2, D, 4, 4)
    with torch.no_grad():
        logits = head.cls_seg(feat)
    x = torch.nn.functional.normalize(feat.permute(0, 2, 3, 1).reshape(-1, D), dim=1)
    ref = torch.einsum('nd,ckd->nck', x, head.classifier.prototypes).amax(-1)
    torch.testing.assert_close(logits.permute(0, 2, 3, 1).reshape(-1, C), ref)


def test_pixel_labels_nearest_resize_and_ignore():
    head = build_head('DNCFCNHead')
    gt = random_gt(2, 32, ignore=0.3)
    labels = head.pixel_labels(samples(gt), (8, 8))
    ref = gt[:, ::4, ::4].reshape(2, -1)  # nearest: source pixel floor(i * 32 / 8)
    ref = torch.where(ref == 255, torch.full_like(ref, -1), ref)
    assert torch.equal(labels, ref)
    assert (labels == -1).any() and labels.max() < C
    # non-integer scale factor (e.g. a padded 30x30 map onto 8x8)
    labels = head.pixel_labels(samples(gt[:, :30, :30]), (8, 8))
    idx = (torch.arange(8) * 30 / 8).floor().long()
    ref = gt[:, idx][:, :, idx].reshape(2, -1)
    assert torch.equal(labels, torch.where(ref == 255, -1, ref))


@pytest.mark.parametrize('name', list(HEADS))
@pytest.mark.parametrize('logit_norm', ['temperature', 'layernorm'])
def test_subcentroid_choice(name, logit_norm):
    """Per feature pixel: the predicted class (argmax of the head's logits) and the sub-centroid
    of that class nearest to the pixel's embedding (Eq. 4)."""
    head = build_head(name, logit_norm=logit_norm).eval()
    inputs = inputs_for(name)
    with torch.no_grad():
        logits = head.forward(inputs)
        classes, k = head.subcentroid_choice(inputs)
        feat = head._forward_feature(inputs)
    b, _, h, w = logits.shape
    assert classes.shape == k.shape == (b, h, w)
    assert torch.equal(classes, logits.argmax(1))
    x = head.classifier.embed(feat.permute(0, 2, 3, 1).reshape(-1, D))
    sims = torch.einsum('nd,ckd->nck', x, head.classifier.prototypes)
    ref = sims[torch.arange(x.shape[0]), classes.reshape(-1)].argmax(-1)
    assert torch.equal(k.reshape(-1), ref) and k.max() < K


def test_pixel_labels_majority():
    """``label_downsample='majority'``: each cell's most frequent label (an all-ignore cell
    stays ignored), where nearest takes the top-left pixel."""
    from mmproto.ops import downsample_labels

    head = build_head('DNCFCNHead', label_downsample='majority')
    gt = random_gt(2, 32, ignore=0.3)
    gt[0, :4, :4] = 255
    gt[1, 4:8, :4] = 1
    gt[1, 4, 0] = 0  # the top-left pixel of cell (1, 0) differs from the other 15
    labels = head.pixel_labels(samples(gt), (8, 8)).view(2, 8, 8)
    ref = downsample_labels(gt, (8, 8), C, 255, 'majority')
    assert torch.equal(labels, torch.where(ref == 255, -1, ref))
    assert labels[0, 0, 0] == -1 and labels[1, 1, 0] == 1
    assert build_head('DNCFCNHead').pixel_labels(samples(gt), (8, 8)).view(2, 8, 8)[1, 1, 0] == 0
    with pytest.raises(ValueError, match='label_downsample'):
        build_head('DNCFCNHead', label_downsample='bilinear')


def test_bad_labels_and_config_errors():
    head = build_head('DNCFCNHead')
    gt = random_gt(1, 8)
    gt[0, 0, 0] = C  # neither a class nor ignore_index
    with pytest.raises(ValueError, match=f'label {C}, outside'):
        head.pixel_labels(samples(gt), (8, 8))
    with pytest.raises(ValueError, match='out_channels'):
        build_head('DNCFCNHead', num_classes=2, out_channels=1)
    with pytest.raises(ValueError, match='num_subcentroids'):
        build_head('DNCFCNHead', num_subcentroids=0)


def test_training_without_hook_raises():
    head = build_head('DNCFCNHead').train()
    with pytest.raises(RuntimeError, match='SubCentroidUpdateHook'):
        head.loss(inputs_for('DNCFCNHead'), samples(random_gt(2, 32)), train_cfg={})


def test_conv_seg_override_removed_from_init_cfg():
    head = build_head(
        'DNCASPPHead',
        logit_norm='layernorm',
        init_cfg=[
            dict(type='Normal', std=0.01, override=dict(name='conv_seg')),
            dict(type='Constant', val=0.5, bias=0.1, layer='LayerNorm'),
        ],
    )
    assert head.init_cfg == [dict(type='Constant', val=0.5, bias=0.1, layer='LayerNorm')]
    assert torch.all(head.classifier.feat_norm.weight == 0.5)
    assert torch.all(head.classifier.mask_norm.bias == 0.1)


def test_ignored_pixels_do_not_move_subcentroids():
    """A class present only at ignore pixels (after resizing) keeps its sub-centroids."""
    head = build_head('DNCFCNHead', update_only_correct=False)
    head.classifier.attach_subcentroid_updater()
    gt = torch.zeros(2, 32, 32, dtype=torch.long)
    gt[:, :, 16:] = 1
    gt[:, ::4, ::4][:, :, :2] = 255  # some class-0 pixels kept by the 32 -> 8 resize: ignored
    gt[:, 1::4, :] = 3  # class 3 only on rows the nearest resize drops
    gt[:, ::4, 20:24] = 255  # some kept class-1 pixels: ignored
    before = head.classifier.prototypes.clone()
    head.train()
    head.loss(inputs_for('DNCFCNHead'), samples(gt), train_cfg={})
    labels = head.classifier._cache['labels']
    assert set(labels.unique().tolist()) == {-1, 0, 1}
    head.classifier.update_subcentroids()
    moved = (head.classifier.prototypes - before).abs().amax(dim=(1, 2)) > 0
    assert moved.tolist() == [True, True, False, False]


def test_prototype_losses_when_enabled():
    head = build_head(
        'DNCFCNHead',
        loss_ppc=dict(type='PixelPrototypeContrastLoss', loss_weight=0.01),
        loss_ppd=dict(type='PixelPrototypeDistanceLoss', loss_weight=0.001),
    )
    head.classifier.attach_subcentroid_updater()
    head.train()
    losses = head.loss(inputs_for('DNCFCNHead'), samples(random_gt(2, 32)), train_cfg={})
    assert set(losses) == {'loss_ce', 'acc_seg', 'loss_ppc', 'loss_ppd'}
    assert losses['loss_ppc'] > 0 and losses['loss_ppd'] > 0
    sum(v for k, v in losses.items() if k.startswith('loss')).backward()
    # weight 0 (the default): not built, not computed
    assert len(build_head('DNCFCNHead').proto_losses) == 0


@pytest.mark.parametrize('name', sorted(HEADS))
def test_every_bank_argument_reaches_the_bank(name):
    """The decode heads take SubCentroidBank's arguments under its names (memory_size, init,
    seed, ...), with the segmentation defaults; the upstream head gets the rest."""
    from mmproto.models.utils.subcentroid_bank import BANK_ARGS

    head = build_head(name)
    assert (head.classifier.bank.num_subcentroids, head.classifier.bank.sync) == (K, 'reduce')
    bank_args = dict(
        memory_size=24,
        memory_mode='fifo',
        memory_dtype='float16',
        init='samples',
        kmeans_iters=7,
        momentum=0.5,
        seed=11,
        sync='gather',
        chunk_rows=64,
    )
    assert set(bank_args) <= set(BANK_ARGS)
    bank = build_head(name, **bank_args).classifier.bank
    assert (bank.memory.size, bank.memory.features.dtype) == (24, torch.float16)
    assert (bank.init, bank.kmeans_iters, bank.momentum) == ('samples', 7, 0.5)
    assert (bank.seed, bank.sync, bank.chunk_rows) == (11, 'gather', 64)
    assert not bool(bank.initialized.any())  # init='samples': no class has sub-centroids yet
