"""Every mmproto head refuses a checkpoint of another shape, naming the key and both shapes."""

import pytest
import torch
from mmengine.registry import DefaultScope
from mmengine.runner import load_checkpoint

import mmproto  # noqa: F401
from mmproto.models.utils import CheckpointShapeError, enable_shape_check

CLS_HEADS = {
    'DNCHead': dict(num_subcentroids=2),
    'DeepNCMHead': {},
    'HypersphericalHead': {},
    'FixedPrototypeCEHead': {},
    'MultiCenterClsHead': {},
    'MultiCenterLSoftmaxClsHead': {},
    'MultiCenterArcFaceClsHead': {},
    'UniformityLinearClsHead': {},
}


def _classifier(head_type, num_classes, **kwargs):
    from mmpretrain.registry import MODELS

    head = dict(type=head_type, num_classes=num_classes, in_channels=8, **kwargs)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(
            dict(
                type='ImageClassifier',
                backbone=dict(type='LeNet5', num_classes=-1),
                neck=dict(type='GlobalAveragePooling'),
                head=head,
            )
        )


@pytest.mark.parametrize('head_type', sorted(CLS_HEADS))
def test_cls_head_refuses_other_num_classes(tmp_path, head_type):
    kwargs = CLS_HEADS[head_type]
    small = _classifier(head_type, 3, **kwargs).head
    big = _classifier(head_type, 5, **kwargs).head
    ckpt = tmp_path / 'head.pth'
    torch.save(dict(state_dict={f'head.{k}': v for k, v in small.state_dict().items()}), ckpt)
    model = torch.nn.Module()
    model.head = big
    with pytest.raises(CheckpointShapeError) as info:  # one type for every shape refusal
        load_checkpoint(model, str(ckpt), map_location='cpu', strict=False)
    msg = str(info.value)
    mismatched = [k for k, v in small.state_dict().items() if v.shape != big.state_dict()[k].shape]
    assert any(f'head.{k} ' in msg for k in mismatched), (msg, mismatched)
    bad = next(k for k in mismatched if f'head.{k} ' in msg)
    shapes = (tuple(small.state_dict()[bad].shape), tuple(big.state_dict()[bad].shape))
    assert str(shapes[0]) in msg and str(shapes[1]) in msg


def test_dnc_decode_head_refuses_other_num_classes(tmp_path):
    from helpers import tiny_segmentor_cfg
    from mmseg.registry import MODELS

    with DefaultScope.overwrite_default_scope('mmseg'):
        small = MODELS.build(tiny_segmentor_cfg('DNCFCNHead', num_classes=4))
        big = MODELS.build(tiny_segmentor_cfg('DNCFCNHead', num_classes=6))
    ckpt = tmp_path / 'seg.pth'
    torch.save(dict(state_dict=small.state_dict()), ckpt)
    with pytest.raises(CheckpointShapeError, match=r'decode_head\.\S+ has shape \(4, '):
        load_checkpoint(big, str(ckpt), map_location='cpu')


def test_same_shapes_load_and_whole_model_check(tmp_path):
    src = _classifier('MultiCenterClsHead', 3)
    ckpt = tmp_path / 'm.pth'
    torch.save(dict(state_dict=src.state_dict()), ckpt)
    dst = _classifier('MultiCenterClsHead', 3)
    load_checkpoint(dst, str(ckpt), map_location='cpu')
    for k, v in src.state_dict().items():
        assert torch.equal(dst.state_dict()[k], v), k

    # a plain linear head and the backbone: only when the whole model is checked
    plain = torch.nn.Sequential(torch.nn.Linear(4, 3))
    torch.save(dict(state_dict=plain.state_dict()), ckpt)
    other = torch.nn.Sequential(torch.nn.Linear(4, 5))
    load_checkpoint(other, str(ckpt), map_location='cpu')  # mmengine: a logged warning only
    enable_shape_check(other)
    with pytest.raises(CheckpointShapeError, match=r'0\.weight has shape \(3, 4\).*\(5, 4\)'):
        load_checkpoint(other, str(ckpt), map_location='cpu')
