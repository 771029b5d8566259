"""Round trips of ``tools/model_converters/dnc2mmseg.py`` on small ResNet and Swin checkpoints."""

import os.path as osp

import pytest
import torch
from conftest import load_script, run_tool

import mmproto  # noqa: F401

tool = load_script('tools/model_converters/dnc2mmseg.py')

SWIN_ARCH = dict(embed_dims=16, depths=[2, 2, 2, 2], num_heads=[1, 2, 2, 4])


def _classifier(backbone: dict, head: dict):
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS

    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmpretrain'):  # whatever earlier tests set
        model = MODELS.build(
            dict(
                type='ImageClassifier',
                backbone=backbone,
                neck=dict(type='GlobalAveragePooling'),
                head=head,
            )
        )
    for p in model.parameters():  # non-trivial values (BN stats included below)
        p.data.normal_(0, 0.1)
    for name, buf in model.named_buffers():
        if name.endswith('running_var'):
            buf.uniform_(0.5, 1.5)
        elif name.endswith('running_mean'):
            buf.normal_(0, 0.1)
    model.eval()
    return model


def _save(model, path, extra=None):
    state = model.state_dict()
    state.update(extra or {})
    torch.save(dict(state_dict=state, meta=dict(epoch=1)), path)
    return path


def _dnc_official_head_keys(num_classes, dim, k=4):
    """Head keys of the released (official) DNC classification checkpoints."""
    return {
        'head.prototypes': torch.randn(num_classes, k, dim),
        'head.feat_norm.weight': torch.ones(dim),
        'head.feat_norm.bias': torch.zeros(dim),
        'head.mask_norm.weight': torch.ones(num_classes),
        'head.mask_norm.bias': torch.zeros(num_classes),
    }


def _mmseg_backbone(cfg: dict, checkpoint: str):
    from mmengine.registry import DefaultScope
    from mmseg.registry import MODELS

    cfg = dict(cfg, init_cfg=dict(type='Pretrained', checkpoint=checkpoint, prefix='backbone.'))
    with DefaultScope.overwrite_default_scope('mmseg'):
        module = MODELS.build(cfg)
    module.init_weights()
    module.eval()  # mmseg ResNet.train() returns None
    return module


def test_resnet_round_trip(tmp_path):
    model = _classifier(
        dict(type='ResNet', depth=18),
        dict(type='LinearClsHead', num_classes=7, in_channels=512),
    )
    src = _save(model, str(tmp_path / 'r18.pth'), _dnc_official_head_keys(7, 512))
    # the official head layout has no fc; drop the linear head to mimic a pure DNC checkpoint
    state = torch.load(src, weights_only=False)
    for k in ('head.fc.weight', 'head.fc.bias'):
        state['state_dict'].pop(k)
    torch.save(state, src)

    dst = str(tmp_path / 'r18_mmseg.pth')
    report = tool.convert(src, dst, verbose=False)
    assert report['backbone'] == dict(type='ResNet', depth=18)
    assert {kind for _, kind, _ in report['dropped']} == {'sub-centroids', 'head norm'}
    assert len(report['dropped']) == 5
    assert report['fresh'] == []
    saved = torch.load(dst, weights_only=False)['state_dict']
    assert all(k.startswith('backbone.') for k in saved)
    assert len(saved) == len(model.backbone.state_dict())

    seg = _mmseg_backbone(dict(type='ResNet', depth=18), dst)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        ref, out = model.backbone(x)[-1], seg(x)[-1]
    torch.testing.assert_close(out, ref)
    # the dilated (D8) segmentation variant takes the same weights
    d8 = _mmseg_backbone(
        dict(type='ResNet', depth=18, dilations=(1, 1, 2, 4), strides=(1, 2, 1, 1)), dst
    )
    for k, v in d8.state_dict().items():
        torch.testing.assert_close(v, seg.state_dict()[k])


@pytest.mark.parametrize('deep_stem', [False, True])
def test_resnet_widths_are_inferred(tmp_path, deep_stem):
    """A greyscale, narrow ResNet-18 (the Fashion-MNIST scenes backbone) converts without
    ``--config``: input, stem and base widths come from the weights."""
    arch = dict(type='ResNetV1c' if deep_stem else 'ResNet', depth=18, in_channels=1)
    arch.update(stem_channels=16, base_channels=8)
    model = _classifier(arch, dict(type='LinearClsHead', num_classes=3, in_channels=64))
    dst = str(tmp_path / 'checkpoints' / 'narrow_mmseg.pth')  # the folder is created
    report = tool.convert(_save(model, str(tmp_path / 'narrow.pth')), dst, verbose=False)
    assert report['backbone'] == arch
    seg = _mmseg_backbone(arch, dst)
    x = torch.randn(2, 1, 32, 32)
    with torch.no_grad():  # the same function (the deep stem's keys are renamed)
        torch.testing.assert_close(seg(x)[-1], model.backbone(x)[-1])
    with pytest.raises(tool.ConversionError, match='shape mismatches'):
        tool.verify_against(tool.load_state_dict_from(dst), dict(arch, base_channels=16))


def test_swin_round_trip(tmp_path, capsys):
    arch = dict(SWIN_ARCH)
    model = _classifier(
        dict(type='SwinTransformer', arch=arch, img_size=96, window_size=2),
        dict(type='LinearClsHead', num_classes=5, in_channels=128),
    )
    src = _save(model, str(tmp_path / 'swin.pth'))
    dst = str(tmp_path / 'swin_mmseg.pth')
    report = tool.convert(src, dst)
    printed = capsys.readouterr().out
    assert 'parametric classifier' in printed and 'head.fc.weight' in printed
    assert 'task/s' in printed  # mmengine progress bar over the tensors written
    assert report['backbone'] == dict(
        type='SwinTransformer',
        embed_dims=16,
        patch_size=4,
        depths=[2, 2, 2, 2],
        num_heads=[1, 2, 2, 4],
        window_size=2,
        use_abs_pos_embed=False,
    )
    assert [kind for _, kind, _ in report['dropped']] == ['parametric classifier'] * 2
    assert report['fresh'] == [f'norm{i}.{p}' for i in range(3) for p in ('weight', 'bias')]

    cfg = dict(report['backbone'])
    seg = _mmseg_backbone(cfg, dst)
    x = torch.randn(1, 3, 96, 96)  # last stage 3x3 > window: both shift windows alike
    with torch.no_grad():
        ref, out = model.backbone(x)[-1], seg(x)[-1]
    torch.testing.assert_close(out, ref)


def test_wrong_or_missing_checkpoint(tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist'):
        tool.convert(str(tmp_path / 'nope.pth'), verbose=False)

    model = _classifier(
        dict(type='ResNet', depth=18),
        dict(type='LinearClsHead', num_classes=3, in_channels=512),
    )
    src = _save(model, str(tmp_path / 'r18.pth'))
    backbone = tool.split_checkpoint(tool.load_state_dict_from(src))[0]
    # ResNet-18 weights for a ResNet-34 backbone: the missing blocks are named
    with pytest.raises(tool.ConversionError, match=r'missing keys .*layer1\.2'):
        tool.verify_against(backbone, dict(type='ResNet', depth=34))
    # deep-stem (V1c) target
    with pytest.raises(tool.ConversionError, match='stem'):
        tool.verify_against(backbone, dict(type='ResNetV1c', depth=18))
    # a segmentor checkpoint is not a classification checkpoint
    torch.save({'state_dict': {'decode_head.conv_seg.weight': torch.zeros(1)}}, tmp_path / 's.pth')
    with pytest.raises(tool.ConversionError, match='backbone'):
        tool.convert(str(tmp_path / 's.pth'), verbose=False)
    state = dict(model.state_dict(), **{'decode_head.conv_seg.weight': torch.zeros(1)})
    torch.save({'state_dict': state}, tmp_path / 'mixed.pth')
    with pytest.raises(tool.ConversionError, match='would be lost'):
        tool.convert(str(tmp_path / 'mixed.pth'), verbose=False)


def test_cli_reports_error(tmp_path):
    missing, out = str(tmp_path / 'missing.pth'), str(tmp_path / 'out.pth')
    proc = run_tool(tmp_path, 'tools/model_converters/dnc2mmseg.py', missing, out, check=False)
    assert proc.returncode != 0
    assert 'error: checkpoint' in proc.stderr and 'does not exist' in proc.stderr
    assert not osp.exists(out)


def test_mmproto_dnc_head_checkpoint(tmp_path, capsys):
    model = _classifier(
        dict(type='ResNet', depth=18),
        dict(type='DNCHead', num_classes=6, in_channels=512, memory_size=8),
    )
    src = _save(model, str(tmp_path / 'dnc_r18.pth'))
    report = tool.convert(src, str(tmp_path / 'out.pth'))
    kinds = {key: kind for key, kind, _ in report['dropped']}
    assert set(kinds) == {k for k in model.state_dict() if k.startswith('head.')}
    assert set(kinds.values()) == {'sub-centroids', 'sub-centroid memory', 'head norm'}
    assert kinds['head.classifier.bank.prototypes'] == 'sub-centroids'
    assert kinds['head.classifier.feat_norm.weight'] == 'head norm'
    assert len(report['loaded']) == len(model.backbone.state_dict())
    assert '[sub-centroids] head.classifier.bank.prototypes [6, 4, 512]' in capsys.readouterr().out
