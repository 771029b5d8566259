"""The tools refuse a checkpoint whose pickle runs code unless --trust-checkpoint is given."""

import os
import os.path as osp
import sys

import pytest
import torch
from conftest import CONFIGS, data_root_options, load_script
from helpers import save_malicious_checkpoint
from helpers.malicious import CreatesFile
from mmengine.config import Config

from mmproto.utils import checkpoint as ckpt_utils
from mmproto.utils.checkpoint import (
    UntrustedCheckpointError,
    load_local_checkpoint,
    trusted_run,
)


@pytest.fixture
def evil(tmp_path, monkeypatch):
    """(checkpoint path, marker path): unpickling the checkpoint would create the marker."""
    monkeypatch.setattr(ckpt_utils, '_TRUSTED', set())
    marker = tmp_path / 'created'
    return save_malicious_checkpoint(str(tmp_path / 'evil.pth'), str(marker)), marker


def test_train_resume_refuses(tmp_path, tiny_cls_root, evil):
    ckpt, marker = evil
    train = load_script('tools/train.py')
    argv = [osp.join(CONFIGS, 'tiny_cls.py'), '--work-dir', str(tmp_path / 'w'), '--resume', ckpt]
    with pytest.raises(UntrustedCheckpointError, match=r'system.*--trust-checkpoint'):
        train.main([*argv, '--cfg-options', *data_root_options(tiny_cls_root)])
    assert not marker.exists()


def test_test_tool_refuses(tmp_path, tiny_cls_root, evil):
    ckpt, marker = evil
    test = load_script('tools/test.py')
    argv = [osp.join(CONFIGS, 'tiny_cls.py'), ckpt, '--work-dir', str(tmp_path / 'w')]
    with pytest.raises(UntrustedCheckpointError, match='--trust-checkpoint'):
        test.main([*argv, '--cfg-options', *data_root_options(tiny_cls_root)])
    assert not marker.exists()


@pytest.mark.parametrize('tool', ['mcc_to_linear', 'dnc2mmseg'])
def test_converters_refuse(tmp_path, evil, monkeypatch, tool):
    ckpt, marker = evil
    module = load_script(f'tools/model_converters/{tool}.py')
    monkeypatch.setattr(sys, 'argv', [tool, ckpt, str(tmp_path / 'out.pth')])
    with pytest.raises(SystemExit, match='--trust-checkpoint'):
        module.main()
    assert not marker.exists()


def test_trust_flag_is_explicit_and_trusts_the_resumed_file_only(tmp_path, evil):
    environ = dict(os.environ)
    ckpt, marker = evil
    other_marker = tmp_path / 'other'
    other = save_malicious_checkpoint(str(tmp_path / 'other.pth'), str(other_marker))
    train = load_script('tools/train.py')
    assert train.parse_args([osp.join(CONFIGS, 'tiny_cls.py')]).trust_checkpoint is False
    args = train.parse_args([osp.join(CONFIGS, 'tiny_cls.py'), '--resume', ckpt])
    cfg = train.merge_args(Config.fromfile(args.config), args)
    with trusted_run(cfg), pytest.raises(UntrustedCheckpointError):
        load_local_checkpoint(ckpt)
    args = train.parse_args(
        [osp.join(CONFIGS, 'tiny_cls.py'), '--resume', ckpt, '--trust-checkpoint']
    )
    cfg = train.merge_args(Config.fromfile(args.config), args)
    assert cfg.trust_checkpoint is True
    assert dict(os.environ) == environ  # no switch a child process would inherit
    with trusted_run(cfg) as trusted:
        assert trusted == [ckpt]
        load_local_checkpoint(ckpt)  # the loader reads the switch
        assert marker.exists()
        with pytest.raises(UntrustedCheckpointError):  # another file stays refused
            load_local_checkpoint(other)
    assert not other_marker.exists()
    marker.unlink()
    with pytest.raises(UntrustedCheckpointError):  # the trust ended with the run
        load_local_checkpoint(ckpt)
    assert not marker.exists()


def _plant_code_in_latest(work_dir, marker) -> str:
    """Add an object whose unpickling creates ``marker`` to the latest checkpoint of
    ``work_dir`` (the file auto-resume picks); returns that file."""
    from mmengine.runner import find_latest_checkpoint

    latest = find_latest_checkpoint(str(work_dir))
    state = torch.load(latest, map_location='cpu', weights_only=False)
    state['payload'] = CreatesFile(marker)
    torch.save(state, latest)
    return latest


def test_train_auto_resume_trusts_the_file_it_picks(tmp_path, tiny_cls_root, evil):
    """``--resume`` without a path plus ``--trust-checkpoint`` trusts the latest checkpoint of
    the work dir, which the run then resumes from; without the switch it is refused."""
    _, other_marker = evil
    marker = tmp_path / 'resumed'
    work_dir = tmp_path / 'w'
    train = load_script('tools/train.py')
    argv = [osp.join(CONFIGS, 'tiny_cls.py'), '--work-dir', str(work_dir)]
    options = ['--cfg-options', *data_root_options(tiny_cls_root)]
    train.main([*argv, *options])
    latest = _plant_code_in_latest(work_dir, marker)
    with pytest.raises(UntrustedCheckpointError, match='system'):
        train.main([*argv, '--resume', *options])
    assert not marker.exists()
    train.main([*argv, '--resume', '--trust-checkpoint', *options])
    assert marker.exists()  # the picked file was unpickled fully, and resumed from
    assert not other_marker.exists()
    marker.unlink()
    with pytest.raises(UntrustedCheckpointError):  # trusted for that run only
        load_local_checkpoint(latest)
    assert not marker.exists()
