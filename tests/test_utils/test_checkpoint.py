"""Safe checkpoint loading: resume files of every method load, a malicious pickle is refused."""

import os
import os.path as osp

import pytest
import torch
from helpers import (
    make_cls_folder,
    make_seg_folder,
    save_malicious_checkpoint,
    tiny_cls_cfg,
    tiny_seg_runner_cfg,
)
from mmengine.config import Config
from mmengine.logging import HistoryBuffer
from mmengine.runner import Runner, load_checkpoint

import mmproto  # noqa: F401  (registers the safe loader)
from mmproto.utils import checkpoint as ckpt_utils
from mmproto.utils.checkpoint import (
    UntrustedCheckpointError,
    apply_trust,
    checkpoint_safe_globals,
    checkpoint_trusted,
    load_local_checkpoint,
    run_checkpoints,
    trust_checkpoint,
    trusted_run,
)


@pytest.fixture
def untrusted(monkeypatch):
    monkeypatch.setattr(ckpt_utils, '_TRUSTED', set())


def _allowed_names():
    return {
        g[1] if isinstance(g, tuple) else f'{g.__module__}.{g.__qualname__}'
        for g in checkpoint_safe_globals()
    }


def test_load_checkpoint_refuses_code(tmp_path, untrusted):
    marker = tmp_path / 'created'
    ckpt = save_malicious_checkpoint(tmp_path / 'evil.pth', marker)
    with pytest.raises(UntrustedCheckpointError, match=r'system.*--trust-checkpoint'):
        load_checkpoint(torch.nn.Linear(2, 2), ckpt, map_location='cpu')
    assert not marker.exists()


class _Getattr:
    def __init__(self, obj, name):
        self.obj, self.name = obj, name

    def __reduce__(self):
        return (getattr, (self.obj, self.name))


@pytest.mark.parametrize(
    'obj,name,named',
    [(HistoryBuffer, '__init__', "getattr.*'__init__'"), (torch.nn.Linear, 'forward', 'Linear')],
)
def test_getattr_beyond_history_buffer_methods_is_refused(tmp_path, untrusted, obj, name, named):
    path = tmp_path / 'getattr.pth'
    torch.save(dict(x=_Getattr(obj, name)), path)
    with pytest.raises(UntrustedCheckpointError, match=rf'{named}.*--trust-checkpoint'):
        load_local_checkpoint(str(path))


def test_trust_switch_loads_that_file_only(tmp_path, untrusted):
    marker, other_marker = tmp_path / 'created', tmp_path / 'other'
    ckpt = save_malicious_checkpoint(tmp_path / 'evil.pth', marker)
    other = save_malicious_checkpoint(tmp_path / 'other.pth', other_marker)
    trust_checkpoint(ckpt)
    load_checkpoint(torch.nn.Linear(2, 2), ckpt, map_location='cpu')
    assert marker.exists()
    with pytest.raises(UntrustedCheckpointError, match='system'):
        load_checkpoint(torch.nn.Linear(2, 2), other, map_location='cpu')
    assert not other_marker.exists()
    trust_checkpoint(ckpt, enable=False)
    with pytest.raises(UntrustedCheckpointError, match='system'):
        load_local_checkpoint(ckpt)


def test_trust_argument_applies_to_the_one_call(tmp_path, untrusted):
    marker = tmp_path / 'created'
    ckpt = save_malicious_checkpoint(tmp_path / 'evil.pth', marker)
    load_local_checkpoint(ckpt, trust=True)
    assert marker.exists()
    marker.unlink()
    with pytest.raises(UntrustedCheckpointError, match='system'):
        load_local_checkpoint(ckpt)
    assert not marker.exists()


def test_apply_trust_is_off_by_default_and_scoped_to_the_run(tmp_path, untrusted):
    environ = dict(os.environ)
    cfg = Config(dict(model=dict(), load_from=str(tmp_path / 'a.pth')))
    assert apply_trust(cfg, None) is False
    with trusted_run(cfg) as trusted:
        assert trusted == []
        assert not checkpoint_trusted(cfg.load_from)
    cfg.trust_checkpoint = True
    assert apply_trust(cfg, None) is True
    with trusted_run(cfg) as trusted:
        assert trusted == [cfg.load_from]
        assert checkpoint_trusted(cfg.load_from)
        assert not checkpoint_trusted(str(tmp_path / 'b.pth'))
    assert not checkpoint_trusted(cfg.load_from)  # the trust ends with the run
    assert dict(os.environ) == environ  # nothing a child process could inherit


def test_apply_trust_without_config_trusts_the_tool_file(tmp_path, untrusted):
    import argparse

    args = argparse.Namespace(trust_checkpoint=True, checkpoint=str(tmp_path / 'c.pth'))
    assert apply_trust(args=args, path=str(tmp_path / 'src.pth')) is True
    assert checkpoint_trusted(str(tmp_path / 'src.pth'))
    assert not checkpoint_trusted(args.checkpoint)
    assert apply_trust(args=args) is True
    assert checkpoint_trusted(args.checkpoint)


def test_run_checkpoints_are_the_files_the_run_loads(tmp_path):
    """load_from, else auto-resume's latest checkpoint; the precompute hook's checkpoint; local
    Pretrained init checkpoints (not URLs, not other hooks' fields)."""
    work_dir = tmp_path / 'work'
    work_dir.mkdir()
    latest = str(work_dir / 'iter_4.pth')
    (work_dir / 'last_checkpoint').write_text(latest)
    backbone = dict(type='ResNet', init_cfg=dict(type='Pretrained', checkpoint='bb.pth'))
    neck = dict(type='X', init_cfg=[dict(type='Pretrained', checkpoint='https://x/n.pth')])
    hooks = [
        dict(type='PrototypePrecomputeHook', method='checkpoint', checkpoint='lin.pth'),
        dict(type='mmproto.PrototypePrecomputeHook', method='uniformity'),
        dict(type='OtherHook', checkpoint='not_loaded.pth'),
    ]
    cfg = Config(
        dict(
            model=dict(backbone=backbone, neck=neck),
            custom_hooks=hooks,
            work_dir=str(work_dir),
            resume=True,
            load_from=None,
        )
    )
    assert run_checkpoints(cfg) == [latest, 'lin.pth', 'bb.pth']
    cfg.load_from = 'given.pth'  # --resume PATH: that file, not the latest
    assert run_checkpoints(cfg) == ['given.pth', 'lin.pth', 'bb.pth']
    cfg.load_from, cfg.resume = None, False  # no resume: no work-dir file
    assert run_checkpoints(cfg) == ['lin.pth', 'bb.pth']
    (work_dir / 'last_checkpoint').unlink()
    cfg.resume = True  # nothing to resume from yet
    assert run_checkpoints(cfg) == ['lin.pth', 'bb.pth']


def test_config_trust_covers_the_precompute_hook_checkpoint(tmp_path, untrusted):
    """``trust_checkpoint = True`` lets PrototypePrecomputeHook read its checkpoint in full,
    during that run only."""
    from mmproto.engine.hooks import PrototypePrecomputeHook

    marker = tmp_path / 'created'
    weight = torch.nn.functional.normalize(torch.randn(3, 4), dim=1)
    ckpt = save_malicious_checkpoint(
        tmp_path / 'lin.pth', marker, state_dict={'head.fc.weight': weight}
    )
    hook_cfg = dict(type='PrototypePrecomputeHook', method='checkpoint', checkpoint=ckpt)
    hook = PrototypePrecomputeHook(
        **{k: v for k, v in hook_cfg.items() if k != 'type'}, cache_dir=None
    )
    cfg = Config(dict(model=dict(), custom_hooks=[hook_cfg]))
    with pytest.raises(UntrustedCheckpointError, match='system'):
        hook._from_checkpoint(3, 4)
    assert not marker.exists()
    cfg.trust_checkpoint = True
    with trusted_run(cfg):
        torch.testing.assert_close(hook._from_checkpoint(3, 4), weight)
    assert marker.exists()
    with pytest.raises(UntrustedCheckpointError, match='system'):
        hook._from_checkpoint(3, 4)


@pytest.fixture(scope='module')
def cls_root(tmp_path_factory):
    return make_cls_folder(str(tmp_path_factory.mktemp('cls')), num_classes=3, per_class=4)


@pytest.mark.parametrize('resume', [False, True])
def test_runner_load_from_and_resume_refuse_code(tmp_path, cls_root, untrusted, resume):
    marker = tmp_path / 'created'
    ckpt = save_malicious_checkpoint(tmp_path / 'evil.pth', marker)
    head = dict(type='LinearClsHead', num_classes=3, in_channels=64)
    cfg = tiny_cls_cfg(cls_root, str(tmp_path / 'work'), head, max_epochs=1)
    cfg.update(load_from=ckpt, resume=resume)
    runner = Runner.from_cfg(Config(cfg))
    with pytest.raises(UntrustedCheckpointError, match='posix.system|nt.system'):
        runner.load_or_resume()
    assert not marker.exists()


SCHEDULERS = [
    dict(type='LinearLR', start_factor=0.5, by_epoch=False, begin=0, end=2),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=2, end=6, T_max=4),
]


def _method_cfgs(root, work):
    hooks = dict(
        dnc=[dict(type='SubCentroidUpdateHook')],
        dl2pa=[
            dict(type='PrototypePrecomputeHook', iters=5, cache_dir=osp.join(work, 'protos')),
            dict(type='LabelPrototypeAssignmentHook', updates_per_epoch=2),
        ],
        mcc=[dict(type='EMAHook')],
    )
    heads = dict(
        dnc=dict(type='DNCHead', num_classes=3, in_channels=64, num_subcentroids=2),
        dl2pa=dict(type='HypersphericalHead', num_classes=3, in_channels=64),
        mcc=dict(type='MultiCenterClsHead', num_classes=3, in_channels=64),
    )
    for name, head in heads.items():
        cfg = tiny_cls_cfg(root, osp.join(work, name), head, hooks[name], max_epochs=1)
        cfg.param_scheduler = SCHEDULERS
        yield name, cfg, osp.join(work, name, 'epoch_1.pth')


def test_resume_files_of_every_method_load(tmp_path, cls_root, untrusted):
    seg_root = make_seg_folder(str(tmp_path / 'seg'), num_classes=4, size=32)
    seg = tiny_seg_runner_cfg(str(tmp_path / 'dnc_seg'), seg_root, max_iters=2)
    seg['param_scheduler'] = SCHEDULERS
    runs = [
        *_method_cfgs(cls_root, str(tmp_path)),
        ('dnc_seg', seg, seg['work_dir'] + '/iter_2.pth'),
    ]
    allowed = _allowed_names()
    for name, cfg, ckpt in runs:
        cfg['experiment_name'] = f'{tmp_path.name}_{name}'  # one mmengine scope / logger each
        Runner.from_cfg(Config(cfg)).train()
        unsafe = set(torch.serialization.get_unsafe_globals_in_checkpoint(ckpt))
        assert unsafe <= allowed, (name, unsafe - allowed)
        assert 'mmengine.logging.history_buffer.HistoryBuffer' in unsafe, name
        safe = load_local_checkpoint(ckpt, map_location='cpu')
        full = torch.load(ckpt, map_location='cpu', weights_only=False)
        assert set(safe) == set(full) >= {'state_dict', 'optimizer', 'param_schedulers'}, name
        for key, value in full['state_dict'].items():
            assert torch.equal(safe['state_dict'][key], value), (name, key)
        assert safe['param_schedulers'] == full['param_schedulers'], name
        buffers = safe['message_hub']['log_scalars']
        for key, buf in full['message_hub']['log_scalars'].items():
            assert buffers[key].mean() == buf.mean(), (name, key)
            assert buffers[key].max() == buf.max(), (name, key)
