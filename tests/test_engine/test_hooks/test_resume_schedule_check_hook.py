"""ResumeScheduleCheckHook: a resume whose schedule differs from the checkpoint's says so."""

import os.path as osp

import pytest
from helpers import make_cls_folder, tiny_cls_cfg
from mmengine.config import Config
from mmengine.runner import Runner

import mmproto  # noqa: F401
from mmproto.engine.hooks import resume_schedule_check_hook as module

HEAD = dict(type='LinearClsHead', num_classes=3, in_channels=64)


def _cfg(root, work_dir, max_epochs, end, **kw):
    cfg = tiny_cls_cfg(root, work_dir, HEAD, [dict(type='ResumeScheduleCheckHook')], max_epochs)
    cfg.param_scheduler = [dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=end)]
    cfg.experiment_name = osp.basename(work_dir)
    cfg.update(kw)
    return Config(cfg)


@pytest.fixture(scope='module')
def first_epoch(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('resume_schedule')
    root = make_cls_folder(str(tmp / 'data'), num_classes=3, per_class=2, size=16)
    Runner.from_cfg(_cfg(root, str(tmp / 'first'), max_epochs=2, end=2)).train()
    return root, str(tmp / 'first' / 'epoch_1.pth'), tmp


def _resume(first_epoch, name, monkeypatch, **kw):
    root, ckpt, tmp = first_epoch
    logged = []
    monkeypatch.setattr(module, 'print_log', lambda msg, **_: logged.append(msg))
    runner = Runner.from_cfg(_cfg(root, str(tmp / name), load_from=ckpt, **kw))
    runner.train()
    return logged, runner


def test_changed_schedule_is_reported_with_both_values(first_epoch, monkeypatch):
    logged, runner = _resume(first_epoch, 'longer', monkeypatch, max_epochs=3, end=3, resume=True)
    assert len(logged) == 1
    msg = logged[0]
    assert 'train_cfg.max_epochs: config 3, checkpoint 2' in msg
    assert 'param_scheduler[0] (CosineAnnealingLR).end: config 3, checkpoint 2' in msg
    assert 'load_from' in msg
    # the documented behaviour: the loop follows the config, the scheduler the checkpoint
    assert runner.train_loop.epoch == 3
    assert runner.param_schedulers[0].end == 2


def test_same_schedule_or_load_from_says_nothing(first_epoch, monkeypatch):
    logged, _ = _resume(first_epoch, 'same', monkeypatch, max_epochs=2, end=2, resume=True)
    assert logged == []
    logged, _ = _resume(first_epoch, 'load', monkeypatch, max_epochs=3, end=3)
    assert logged == []
