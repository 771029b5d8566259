"""SubCentroidAnchorHook (§4.3, Table 4, DNC): true nearest samples, resume, 2-process DDP."""

import copy
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from helpers import make_cls_folder, run_distributed, tiny_cls_cfg
from mmengine.hooks import Hook
from mmengine.registry import HOOKS, MODELS
from mmengine.runner import Runner, load_checkpoint

from mmproto.engine.hooks import SubCentroidAnchorHook
from mmproto.engine.subcentroid_images import embed_samples

NUM_CLASSES, K = 3, 2


@HOOKS.register_module(force=True)
class RecordPrototypesHook(Hook):
    """Test helper: the sub-centroids after every training iteration (runs last)."""

    priority = 'LOWEST'

    def __init__(self):
        self.last = None

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.last = runner.model.head.classifier.bank.prototypes.clone()


def make_cfg(root, work_dir, max_epochs=2, anchor_epoch=1, launcher='none', extra_hooks=()):
    head = dict(
        type='DNCHead', num_classes=NUM_CLASSES, in_channels=64, num_subcentroids=K, momentum=0.9
    )
    hooks = [
        dict(type='SubCentroidUpdateHook'),
        dict(type='SubCentroidAnchorHook', anchor_epoch=anchor_epoch),
        *extra_hooks,
    ]
    return tiny_cls_cfg(root, work_dir, head, hooks, max_epochs=max_epochs, launcher=launcher)


def anchor_hook(runner):
    return next(h for h in runner.hooks if isinstance(h, SubCentroidAnchorHook))


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    return make_cls_folder(
        str(tmp_path_factory.mktemp('anchor_data')), num_classes=NUM_CLASSES, per_class=6, size=16
    )


def brute_force_anchors(model, dataset, protos, valid):
    x = embed_samples(model, dataset, list(range(len(dataset))))
    labels = [int(dataset.get_data_info(i)['gt_label']) for i in range(len(dataset))]
    idx = torch.full(valid.shape, -1, dtype=torch.long)
    for c in range(valid.shape[0]):
        for k in range(valid.shape[1]):
            best = None
            for i, y in enumerate(labels):
                s = float(F.cosine_similarity(x[i], protos[c, k], dim=0))
                if y == c and (best is None or s > best):
                    best, idx[c, k] = s, i
    return idx


def test_anchors_are_true_nearest_and_become_real_features(tmp_path, data_root):
    cfg = make_cfg(
        data_root, str(tmp_path / 'run'), extra_hooks=[dict(type='RecordPrototypesHook')]
    )
    runner = Runner.from_cfg(copy.deepcopy(cfg))
    runner.train()
    hook = anchor_hook(runner)
    assert hook.anchored and bool((hook.anchor_index >= 0).all())
    # the state at anchoring time is the end of epoch 1 (checkpoint epoch_1.pth)
    model = MODELS.build(cfg.model)
    load_checkpoint(model, osp.join(cfg.work_dir, 'epoch_1.pth'), map_location='cpu')
    bank = model.head.classifier.bank
    dataset = hook._build_loader(runner).dataset
    expected = brute_force_anchors(model, dataset, bank.prototypes, bank.valid)
    assert torch.equal(hook.anchor_index, expected)
    # each anchor belongs to the sub-centroid's class
    for c in range(NUM_CLASSES):
        for i in hook.anchor_index[c].tolist():
            assert int(dataset.get_data_info(i)['gt_label']) == c
    # after anchoring, p_ck = feature of its anchored image: at the end of training, under the
    # final weights (refreshed before the checkpoint is written)
    final = runner.model.head.classifier.bank.prototypes.clone()
    feats = embed_samples(runner.model, dataset, hook.anchor_index.flatten().tolist())
    assert torch.allclose(final.flatten(0, 1), feats, atol=1e-6)
    assert runner.model.head.classifier.bank.momentum == 1.0
    # ... and during the anchored epoch they were the features under the weights at its start
    # (epoch 1), which SubCentroidUpdateHook (mu = 1) never moved
    start = embed_samples(model, dataset, hook.anchor_index.flatten().tolist())
    recorder = next(h for h in runner.hooks if isinstance(h, RecordPrototypesHook))
    assert torch.allclose(recorder.last.flatten(0, 1), start, atol=1e-6)
    assert not torch.allclose(start, feats, atol=1e-3)  # the weights did change
    ckpt = torch.load(osp.join(cfg.work_dir, 'epoch_2.pth'), weights_only=False)
    assert torch.equal(ckpt['subcentroid_anchors']['index'], hook.anchor_index)
    assert torch.equal(ckpt['state_dict']['head.classifier.bank.prototypes'], final)
    assert 'subcentroid_anchors' not in torch.load(
        osp.join(cfg.work_dir, 'epoch_1.pth'), weights_only=False
    )


def test_resume_continues_identically(tmp_path, data_root):
    full = make_cfg(data_root, str(tmp_path / 'full'), max_epochs=3, anchor_epoch=1)
    r1 = Runner.from_cfg(copy.deepcopy(full))
    r1.train()
    resumed = make_cfg(data_root, str(tmp_path / 'resumed'), max_epochs=3, anchor_epoch=1)
    resumed.resume = True
    resumed.load_from = osp.join(full.work_dir, 'epoch_2.pth')  # anchored already
    r2 = Runner.from_cfg(resumed)
    r2.train()
    h1, h2 = anchor_hook(r1), anchor_hook(r2)
    assert torch.equal(h1.anchor_index, h2.anchor_index)
    # restored from the checkpoint, not searched again with the epoch-2 weights
    assert torch.equal(h1.anchor_similarity, h2.anchor_similarity)
    s1, s2 = r1.model.state_dict(), r2.model.state_dict()
    for key in s1:
        assert torch.equal(s1[key], s2[key]), key


def _ddp_worker(rank, world_size, root, work_dir):
    cfg = make_cfg(root, work_dir, max_epochs=2, anchor_epoch=1, launcher='pytorch')
    runner = Runner.from_cfg(cfg)
    runner.train()
    hook = anchor_hook(runner)
    bank = runner.model.module.head.classifier.bank
    torch.save(
        dict(index=hook.anchor_index, protos=bank.prototypes.clone(), momentum=bank.momentum),
        osp.join(work_dir, f'rank{rank}.pth'),
    )


@pytest.mark.dist
def test_ddp_two_processes_identical(tmp_path, data_root):
    work_dir = str(tmp_path / 'ddp')
    run_distributed(_ddp_worker, 2, (data_root, work_dir))
    r0 = torch.load(osp.join(work_dir, 'rank0.pth'))
    r1 = torch.load(osp.join(work_dir, 'rank1.pth'))
    assert torch.equal(r0['index'], r1['index']) and bool((r0['index'] >= 0).all())
    assert torch.equal(r0['protos'], r1['protos'])
    assert r0['momentum'] == r1['momentum'] == 1.0
    # anchors cover samples of both ranks' shards (indices into the whole training set)
    labels = [c for c in range(NUM_CLASSES) for _ in range(6)]
    for c in range(NUM_CLASSES):
        assert all(labels[i] == c for i in r0['index'][c].tolist())


def test_anchor_epoch_beyond_max_epochs_is_named(tmp_path, data_root):
    runner = Runner.from_cfg(
        make_cfg(data_root, str(tmp_path / 'bad'), max_epochs=2, anchor_epoch=2)
    )
    with pytest.raises(ValueError, match=r'anchor_epoch=2 .*max_epochs=2'):
        runner.train()
    with pytest.raises(ValueError, match='anchor_epoch'):
        SubCentroidAnchorHook(anchor_epoch=-1)


def test_anchors_of_another_shape_are_refused_like_every_checkpoint_shape():
    from types import SimpleNamespace

    from mmproto.models.heads import DNCHead
    from mmproto.models.utils import CheckpointShapeError

    model = torch.nn.Module()
    model.head = DNCHead(num_classes=NUM_CLASSES, in_channels=4, num_subcentroids=K)
    state = dict(index=torch.zeros(NUM_CLASSES + 1, K), similarity=torch.zeros(NUM_CLASSES + 1, K))
    with pytest.raises(CheckpointShapeError, match=r'index.*\(4, 2\).*\(3, 2\)'):
        SubCentroidAnchorHook().after_load_checkpoint(
            SimpleNamespace(model=model), {'subcentroid_anchors': state}
        )
