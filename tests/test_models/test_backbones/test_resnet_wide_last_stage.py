import torch
from mmpretrain.models.backbones import ResNet

from mmproto.models.backbones import ResNetWideLastStage


def test_widened_last_stage_gives_4096_d_and_keeps_the_other_stages():
    wide = ResNetWideLastStage(depth=50, last_stage_planes=1024)
    plain = ResNet(depth=50)
    assert wide.feat_dim == 4096 and plain.feat_dim == 2048
    for name in ('stem', 'layer1', 'layer2', 'layer3'):
        a = getattr(wide, name, None) or wide.conv1
        b = getattr(plain, name, None) or plain.conv1
        assert [p.shape for p in a.parameters()] == [p.shape for p in b.parameters()]
    assert wide.layer4[0].conv1.out_channels == 1024
    wide.eval()
    out = wide(torch.zeros(1, 3, 64, 64))[-1]
    assert out.shape == (1, 4096, 2, 2)
