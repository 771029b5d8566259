"""tools/model_converters/mcc_to_linear.py: MCC checkpoint -> LinearClsHead / deploy checkpoint."""

import importlib.util
import os.path as osp
import sys

import pytest
import torch
from mmpretrain.registry import MODELS

import mmproto  # noqa: F401

TOOL = osp.join(osp.dirname(__file__), '..', '..', 'tools', 'model_converters', 'mcc_to_linear.py')


def _load_tool():
    spec = importlib.util.spec_from_file_location('mcc_to_linear', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _classifier(head):
    return MODELS.build(
        dict(
            type='ImageClassifier',
            backbone=dict(type='ResNet', depth=18, stem_channels=8, base_channels=8),
            neck=dict(type='GlobalAveragePooling'),
            head=head,
        )
    ).eval()


def test_convert_loads_into_linear_head_and_predicts_the_same(tmp_path, monkeypatch):
    mcc = _classifier(dict(type='MultiCenterClsHead', num_classes=4, in_channels=64))
    src, dst = str(tmp_path / 'mcc.pth'), str(tmp_path / 'linear.pth')
    torch.save(dict(state_dict=mcc.state_dict(), meta=dict(epoch=3), optimizer={}), src)
    monkeypatch.setattr(sys, 'argv', [TOOL, src, dst])
    _load_tool().main()
    ckpt = torch.load(dst, weights_only=False)
    assert set(ckpt) == {'state_dict', 'meta'}
    linear = _classifier(dict(type='LinearClsHead', num_classes=4, in_channels=64))
    linear.load_state_dict(ckpt['state_dict'])  # strict
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(linear(x), mcc(x))
    assert not any('log_var' in k for k in ckpt['state_dict'])


def test_convert_for_deploy_heads():
    tool = _load_tool()
    head = MODELS.build(dict(type='MultiCenterArcFaceClsHead', num_classes=3, in_channels=6))
    sd, removed = tool.convert_state_dict(
        {f'module.head.{k}': v for k, v in head.state_dict().items()}
    )
    assert removed == ['module.head.log_var', 'module.head.noise_seed', 'module.head.num_steps']
    assert list(sd) == ['module.head.norm_product.weight']  # no fc: no bias added
    head = MODELS.build(dict(type='MultiCenterClsHead', num_classes=3, in_channels=6))
    deployed = MODELS.build(
        dict(type='MultiCenterClsHead', num_classes=3, in_channels=6, deploy=True)
    )
    sd, _ = tool.convert_state_dict(head.state_dict(), zero_bias=False)
    deployed.load_state_dict(sd)
    with pytest.raises(ValueError, match='log_var'):
        tool.convert_state_dict(sd)
