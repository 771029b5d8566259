"""The tools refuse a checkpoint whose pickle runs code unless --trust-checkpoint is given."""

import os
import os.path as osp
import sys

import pytest
from conftest import CONFIGS, data_root_options, load_script
from helpers import save_malicious_checkpoint
from mmengine.config import Config

from mmproto.utils.checkpoint import TRUST_ENV, UntrustedCheckpointError, load_local_checkpoint


@pytest.fixture
def evil(tmp_path, monkeypatch):
    """(checkpoint path, marker path): unpickling the checkpoint would create the marker."""
    monkeypatch.delenv(TRUST_ENV, raising=False)
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


def test_trust_flag_is_explicit(evil):
    train = load_script('tools/train.py')
    assert train.parse_args([osp.join(CONFIGS, 'tiny_cls.py')]).trust_checkpoint is False
    args = train.parse_args([osp.join(CONFIGS, 'tiny_cls.py'), '--trust-checkpoint'])
    cfg = train.merge_args(Config.fromfile(args.config), args)
    assert cfg.trust_checkpoint is True and os.environ[TRUST_ENV] == '1'
    ckpt, marker = evil
    load_local_checkpoint(ckpt)  # the loader reads the switch
    assert marker.exists()
