"""Per-epoch training statistics of the DL2PA and MCC hooks land in vis_data/scalars.json."""

import glob
import json
import math
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from helpers import make_cls_folder
from mmengine.config import Config
from mmengine.runner import Runner

import mmproto  # noqa: F401
from mmproto.engine.hooks import LabelPrototypeAssignmentHook, multicenter_stats


def _cfg(root, work_dir, head, hooks, max_epochs=2):
    data = dict(
        batch_size=4,
        num_workers=0,
        dataset=dict(
            type='CustomDataset',
            data_root=root,
            pipeline=[dict(type='LoadImageFromFile'), dict(type='PackInputs')],
        ),
    )
    return Config(
        dict(
            default_scope='mmpretrain',
            model=dict(
                type='ImageClassifier',
                data_preprocessor=dict(num_classes=3, mean=[127.5] * 3, std=[127.5] * 3),
                backbone=dict(type='HPNResNet', depth=8, base_channels=4),
                neck=dict(type='GlobalAveragePooling'),
                head=head,
            ),
            work_dir=work_dir,
            train_dataloader=dict(data, sampler=dict(type='DefaultSampler', shuffle=True)),
            val_dataloader=dict(data, sampler=dict(type='DefaultSampler', shuffle=False)),
            val_evaluator=dict(type='Accuracy', topk=(1,)),
            val_cfg=dict(),
            train_cfg=dict(by_epoch=True, max_epochs=max_epochs, val_interval=1),
            optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9)),
            custom_hooks=hooks,
            default_hooks=dict(logger=dict(type='LoggerHook', interval=1), checkpoint=None),
            visualizer=dict(type='Visualizer', vis_backends=[dict(type='LocalVisBackend')]),
            randomness=dict(seed=0),
            log_level='WARNING',
        )
    )


def _epoch_lines(work_dir):
    (path,) = glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))
    with open(path) as f:
        lines = [json.loads(line) for line in f]
    return [line for line in lines if 'accuracy/top1' in line]


def test_assignment_changes_per_epoch(tmp_path, monkeypatch):
    root = make_cls_folder(str(tmp_path / 'data'), num_classes=3, per_class=4, size=8)
    counts = []
    update = LabelPrototypeAssignmentHook.update

    def recording_update(self, runner):
        head = runner.model.head
        # the fit before the solve, computed independently: mean cosine of each class mean
        # (its current prototype if never seen) to its assigned prototype
        means = torch.where(
            head.class_means.initialized[:, None],
            head.class_means.means,
            head.prototypes[head.assignment],
        )
        fit = F.cosine_similarity(means, head.prototypes[head.assignment], dim=1).mean()
        counts.append((runner.epoch, update(self, runner), float(fit)))
        return counts[-1][1]

    monkeypatch.setattr(LabelPrototypeAssignmentHook, 'update', recording_update)
    head = dict(type='HypersphericalHead', num_classes=3, in_channels=16)
    hooks = [
        dict(type='PrototypePrecomputeHook', iters=30, cache_dir=None),
        dict(type='LabelPrototypeAssignmentHook', interval=1),
    ]
    runner = Runner.from_cfg(_cfg(root, str(tmp_path / 'w'), head, hooks))
    runner.train()
    lines = _epoch_lines(str(tmp_path / 'w'))
    assert [line['step'] for line in lines] == [1, 2]
    assert len(counts) == 6  # 12 images, batch 4: 3 updates per epoch
    for epoch, line in enumerate(lines):
        assert line['assignment_changed'] == sum(n for e, n, _ in counts if e == epoch)
        last_fit = [fit for e, _, fit in counts if e == epoch][-1]
        assert line['assignment_cos'] == pytest.approx(last_fit, abs=1e-5)


def test_assignment_log_is_a_few_lines_per_epoch(tmp_path):
    """6 updates per epoch (> MAX_LINES): one summary line per epoch, not one per update; the
    train line's assignment_changed at the end of an epoch is the val line's."""
    root = make_cls_folder(str(tmp_path / 'data'), num_classes=3, per_class=8, size=8)
    head = dict(type='HypersphericalHead', num_classes=3, in_channels=16)
    hooks = [
        dict(type='PrototypePrecomputeHook', iters=30, cache_dir=None),
        dict(type='LabelPrototypeAssignmentHook', interval=1),
    ]
    cfg = _cfg(root, str(tmp_path / 'w'), head, hooks)
    cfg.log_level = 'INFO'
    cfg.default_hooks.logger.interval = 6  # one train line, at the last iteration of an epoch
    runner = Runner.from_cfg(cfg)
    runner.train()
    (log,) = glob.glob(str(tmp_path / 'w' / '*' / '*.log'))
    with open(log) as f:
        text = f.read()
    lines = [line for line in text.splitlines() if 'LabelPrototypeAssignmentHook:' in line]
    assert len(lines) == 2, lines  # 2 epochs x 6 updates
    assert all('6 updates moved' in line for line in lines)
    (path,) = glob.glob(osp.join(str(tmp_path / 'w'), '*', 'vis_data', 'scalars.json'))
    with open(path) as f:
        records = [json.loads(line) for line in f]
    train = [r for r in records if 'loss' in r]
    val = [r for r in records if 'accuracy/top1' in r]
    assert len(train) == len(val) == 2
    for t, v in zip(train, val):
        assert t['assignment_changed'] == v['assignment_changed']


def test_multicenter_stats_formula():
    w = torch.tensor([[3.0, 4.0], [0.0, 1.0]])
    log_var = torch.tensor([[0.0, 0.0], [math.log(4.0), math.log(4.0)]])  # sigma 1 and 2
    s = multicenter_stats(w, log_var, std_scale=0.5)  # sigma 0.5 and 1
    assert s['sigma'] == pytest.approx(0.75)
    assert s['mean_norm'] == pytest.approx(3.0)  # (5 + 1) / 2
    offset = (math.sqrt(2) * 0.5 + math.sqrt(2) * 1.0) / 2
    assert s['offset_norm'] == pytest.approx(offset)
    assert s['offset_to_mean'] == pytest.approx(offset / 3.0)


def test_multicenter_stats_per_epoch(tmp_path):
    root = make_cls_folder(str(tmp_path / 'data'), num_classes=3, per_class=4, size=8)
    head = dict(type='MultiCenterClsHead', num_classes=3, in_channels=16, std_scale=0.1)
    hooks = [dict(type='MultiCenterStatsHook')]
    runner = Runner.from_cfg(_cfg(root, str(tmp_path / 'w'), head, hooks))
    runner.train()
    lines = _epoch_lines(str(tmp_path / 'w'))
    assert [line['step'] for line in lines] == [1, 2]
    head = runner.model.head
    last = multicenter_stats(head.fc.weight, head.log_var, 0.1)
    for name, value in last.items():
        assert lines[-1][f'mcc_{name}'] == pytest.approx(value, rel=1e-5)
    assert lines[0]['mcc_mean_norm'] != lines[1]['mcc_mean_norm']  # trained in between


def test_multicenter_stats_hook_needs_a_multicenter_head(tmp_path):
    root = make_cls_folder(str(tmp_path / 'data'), num_classes=3, per_class=4, size=8)
    head = dict(type='LinearClsHead', num_classes=3, in_channels=16)
    runner = Runner.from_cfg(
        _cfg(root, str(tmp_path / 'w'), head, [dict(type='MultiCenterStatsHook')])
    )
    with pytest.raises(TypeError, match='MultiCenterStatsHook needs model.head'):
        runner.train()
