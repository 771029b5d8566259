import pytest
import torch

from mmproto.models.backbones import HPNResNet


def test_resnet32_shapes_and_depth():
    net = HPNResNet()
    blocks = sum(len(s) for s in net.stages)
    assert blocks == 15  # 3 stages x 5 blocks: 1 + 2 * 15 + (final FC in the neck) = 32 layers
    out = net(torch.randn(2, 3, 32, 32))
    assert out[-1].shape == (2, 64, 8, 8)
    out = HPNResNet(depth=8, base_channels=32, out_indices=(1, 2))(torch.randn(1, 3, 64, 64))
    assert [o.shape[1:] for o in out] == [(64, 32, 32), (128, 16, 16)]
    with pytest.raises(ValueError, match='6n \\+ 2'):
        HPNResNet(depth=30)
