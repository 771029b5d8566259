"""The ``configs/dnc_seg`` models: DNC changes only the classifier, and a missing ImageNet
checkpoint stops initialisation with a clear error."""

import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope

import mmproto  # noqa: F401

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
CFG = osp.join(ROOT, 'configs', 'dnc_seg')


def _build(name, part, **overrides):
    """One part of a config's model (decode head or backbone), without the others."""
    from mmseg.registry import MODELS

    cfg = Config.fromfile(osp.join(CFG, name))
    part_cfg = cfg.model[part]
    part_cfg.update(overrides)
    with DefaultScope.overwrite_default_scope('mmseg'):
        return cfg, MODELS.build(part_cfg)


def _num_params(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.slow
def test_every_config_parses_with_dnc_settings():
    names = sorted(osp.basename(p) for p in glob.glob(osp.join(CFG, '*.py')))
    scenes = [n for n in names if 'fashion-mnist-scenes' in n]  # CPU: scratch or converted
    assert len(names) == 59 and len(scenes) == 6
    for name in names:
        cfg = Config.fromfile(osp.join(CFG, name))
        head = cfg.model.decode_head
        assert cfg.custom_imports.imports == ['mmproto']
        if name in scenes and '_r18' in name:  # from scratch
            assert cfg.model.backbone.get('init_cfg') is None
            continue
        assert cfg.model.backbone.init_cfg.prefix == 'backbone.'
        ckpt = cfg.model.backbone.init_cfg.checkpoint
        assert ckpt.startswith('checkpoints/') and not ckpt.startswith('http')
        assert ('dnc_' in ckpt) == ('_dnc-' in name), name
        if name.startswith('contrastiveseg-'):  # DNC Table 20 baseline
            assert head.type == 'ContrastASPPHead' and not cfg.get('custom_hooks')
        elif name.startswith('dnc-'):
            assert head.type.startswith('DNC')
            assert [h.type for h in cfg.custom_hooks] == ['SubCentroidUpdateHook']
            assert head.num_subcentroids in (1, 5, 10, 20)
        else:
            assert not head.type.startswith('DNC')
            assert not cfg.get('custom_hooks')


@pytest.mark.parametrize(
    'dnc, plain',
    [
        (
            'dnc-fcn_r101b-d8_4xb4-160k_ade20k-512x512.py',
            'fcn_r101b-d8_4xb4-160k_ade20k-512x512.py',
        ),
        (
            'dnc-upernet_swin-b_8xb2-160k_ade20k-512x512.py',
            'upernet_swin-b_8xb2-160k_ade20k-512x512.py',
        ),
    ],
)
def test_only_conv_seg_is_replaced(dnc, plain):
    _, dnc_head = _build(dnc, 'decode_head')
    _, plain_head = _build(plain, 'decode_head')
    c, d = 150, 512
    # DNC §4.2 (#params drop by the conv_seg size): conv_seg (D*C + C) goes, the classifier's
    # LN_D (2D) comes (logit scaling by a temperature: no parameter)
    removed = d * c + c - 2 * d
    assert _num_params(plain_head) - _num_params(dnc_head) == removed
    assert dnc_head.classifier.prototypes.shape == (c, 10, d)
    assert not hasattr(dnc_head, 'conv_seg')
    dnc_keys = {k for k in dnc_head.state_dict() if not k.startswith('classifier.')}
    plain_keys = {k for k in plain_head.state_dict() if not k.startswith('conv_seg.')}
    assert dnc_keys == plain_keys


@pytest.mark.parametrize(
    'name',
    [
        'dnc-fcn_dnc-r101b-d8_4xb4-160k_ade20k-512x512.py',
        'upernet_dnc-swin-b_8xb2-160k_ade20k-512x512.py',
    ],
)
def test_missing_imagenet_checkpoint_is_a_clear_error(name, tmp_path):
    small = dict(depth=18) if 'r101b' in name else dict(depths=[2, 2, 2, 2])  # same init path
    cfg, backbone = _build(name, 'backbone', **small)
    missing = str(tmp_path / cfg.model.backbone.init_cfg.checkpoint)
    backbone.init_cfg['checkpoint'] = missing
    with pytest.raises(FileNotFoundError, match='can not be found'):
        backbone.init_weights()
