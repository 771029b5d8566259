"""The tools refuse a checkpoint whose pickle runs code unless --trust-checkpoint is given."""

import os
import os.path as osp
import sys

import pytest
from conftest import CONFIGS, data_root_options, load_script
from helpers import save_malicious_checkpoint
from mmengine.config import Config

from mmproto.utils import checkpoint as ckpt_utils
from mmproto.utils.checkpoint import UntrustedCheckpointError, load_local_checkpoint


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
    train.merge_args(Config.fromfile(args.config), args)
    with pytest.raises(UntrustedCheckpointError):
        load_local_checkpoint(ckpt)
    args = train.parse_args(
        [osp.join(CONFIGS, 'tiny_cls.py'), '--resume', ckpt, '--trust-checkpoint']
    )
    cfg = train.merge_args(Config.fromfile(args.config), args)
    assert cfg.trust_checkpoint is True
    assert dict(os.environ) == environ  # no switch a child process would inherit
    load_local_checkpoint(ckpt)  # the loader reads the switch
    assert marker.exists()
    with pytest.raises(UntrustedCheckpointError):  # another file stays refused
        load_local_checkpoint(other)
    assert not other_marker.exists()
