"""RegNetY backbone: widths, depths and size of the published RegNetY-4.0GF / 16GF models."""

from types import SimpleNamespace

import pytest
import torch
from mmpretrain.models.backbones import RegNet

from mmproto.models.backbones import RegNetY
from mmproto.models.backbones.regnety import RegNetYBottleneck


def _stages(arch):
    # the RegNet width rule of mmpretrain's RegNet, without building the network
    cfg = RegNetY.arch_settings[arch]
    widths, _ = RegNet.generate_regnet(None, cfg['w0'], cfg['wa'], cfg['wm'], cfg['depth'])
    stage_widths, stage_blocks = RegNet.get_stages_from_blocks(None, widths)
    helper = SimpleNamespace(quantize_float=RegNet.quantize_float)
    n = len(stage_widths)
    stage_widths, _ = RegNet.adjust_width_group(
        helper, stage_widths, [1.0] * n, [cfg['group_w']] * n
    )
    return stage_widths, stage_blocks


def test_published_stage_widths_and_depths():
    assert _stages('regnety_4.0gf') == ([128, 192, 512, 1088], [2, 6, 12, 2])
    assert _stages('regnety_16gf') == ([224, 448, 1232, 3024], [2, 4, 11, 1])


@pytest.mark.slow
def test_regnety_4gf_parameters_and_se():
    model = RegNetY('regnety_4.0gf')
    # 20.6M parameters with the 1000-class fc layer (1088 * 1000 + 1000)
    total = sum(p.numel() for p in model.parameters()) + 1088 * 1000 + 1000
    assert abs(total - 20.65e6) < 0.05e6
    block = model.layer2[1]
    assert isinstance(block, RegNetYBottleneck)
    assert block.se.conv1.conv.out_channels == round(0.25 * 192)  # squeeze = se_ratio * w_in
    assert model.layer2[0].se.conv1.conv.out_channels == round(0.25 * 128)


def test_forward_shapes_and_se_effect():
    arch = dict(w0=16, wa=8.0, wm=2.0, group_w=8, depth=4, bot_mul=1.0)
    model = RegNetY(arch, strides=(2, 2), dilations=(1, 1), out_indices=(0, 1))
    model.eval()  # mmpretrain's ResNet.train() returns None
    outs = model(torch.randn(2, 3, 32, 32))
    assert [tuple(o.shape) for o in outs] == [(2, 16, 8, 8), (2, 32, 4, 4)]
    with pytest.raises(ValueError, match='se_ratio'):
        RegNetY(arch, se_ratio=0.0)
    # the SE gate is on the residual branch: zeroing its output bias changes the output
    block = model.layer1[0]
    x = torch.randn(1, block.in_channels, 8, 8)
    ref = block(x)
    torch.nn.init.constant_(block.se.conv2.conv.bias, -20.0)
    torch.nn.init.zeros_(block.se.conv2.conv.weight)
    assert not torch.allclose(block(x), ref)
