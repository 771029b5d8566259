"""ResNet-32 of HPN (Mettes et al. 2019) used by DL2PA for 32x32 and 64x64 inputs."""

from typing import Optional, Sequence, Tuple

import torch.nn as nn
from mmcv.cnn import build_conv_layer, build_norm_layer
from mmpretrain.models.backbones.base_backbone import BaseBackbone
from mmpretrain.registry import MODELS
from torch import Tensor


class HPNBasicBlock(nn.Module):
    """3x3-3x3 residual block; the shortcut is a ``shortcut_kernel`` conv + BN when the shape
    changes (HPN uses a 3x3 conv, LDAM-style CIFAR ResNets a 1x1 conv)."""

    def __init__(self, cin: int, cout: int, stride: int, shortcut_kernel: int, norm_cfg: dict):
        super().__init__()
        self.conv1 = build_conv_layer(None, cin, cout, 3, stride, 1, bias=False)
        self.bn1 = build_norm_layer(norm_cfg, cout)[1]
        self.conv2 = build_conv_layer(None, cout, cout, 3, 1, 1, bias=False)
        self.bn2 = build_norm_layer(norm_cfg, cout)[1]
        self.relu = nn.ReLU(inplace=True)
        self.shortcut = nn.Identity()
        if stride != 1 or cin != cout:
            pad = shortcut_kernel // 2
            self.shortcut = nn.Sequential(
                build_conv_layer(None, cin, cout, shortcut_kernel, stride, pad, bias=False),
                build_norm_layer(norm_cfg, cout)[1],
            )

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + self.shortcut(x))


@MODELS.register_module()
class HPNResNet(BaseBackbone):
    """CIFAR-style ResNet (depth ``6n + 2``) of HPN / DL2PA; ResNet-32 by default.

    A 3x3 stem (``base_channels``), three stages of ``n`` basic blocks with ``base_channels``
    ×1/×2/×4 channels and strides 1/2/2. Input size is free (32x32 CIFAR, 64x64 ImageNet-200);
    pool with ``GlobalAveragePooling`` and project to ``d`` with ``LinearNeck`` (HPN's final FC).
    Output channels: ``4 * base_channels`` (64 for base 16; 128 for the CIFAR-100-LT base 32).

    Args:
        depth: ``6n + 2`` (32 -> n = 5). base_channels: 16 (HPN) or 32.
        shortcut_kernel: 3 (HPN) or 1. out_indices: stages to return (0..2).
    """

    def __init__(
        self,
        depth: int = 32,
        base_channels: int = 16,
        shortcut_kernel: int = 3,
        out_indices: Sequence[int] = (2,),
        norm_cfg: dict = dict(type='BN'),
        init_cfg: Optional[dict] = [
            dict(type='Kaiming', layer=['Conv2d']),
            dict(type='Constant', val=1, layer=['_BatchNorm']),
        ],
    ):
        super().__init__(init_cfg)
        if (depth - 2) % 6 or depth < 8:
            raise ValueError(f'HPNResNet depth must be 6n + 2 with n >= 1, got {depth}')
        if shortcut_kernel not in (1, 3):
            raise ValueError(f'shortcut_kernel must be 1 or 3, got {shortcut_kernel}')
        if not out_indices or any(i not in (0, 1, 2) for i in out_indices):
            raise ValueError(f'out_indices must be a subset of (0, 1, 2), got {out_indices}')
        n = (depth - 2) // 6
        self.out_indices = tuple(out_indices)
        self.stem = nn.Sequential(
            build_conv_layer(None, 3, base_channels, 3, 1, 1, bias=False),
            build_norm_layer(norm_cfg, base_channels)[1],
            nn.ReLU(inplace=True),
        )
        stages, cin = [], base_channels
        for i, stride in enumerate((1, 2, 2)):
            cout = base_channels * 2**i
            blocks = [HPNBasicBlock(cin, cout, stride, shortcut_kernel, norm_cfg)]
            blocks += [
                HPNBasicBlock(cout, cout, 1, shortcut_kernel, norm_cfg) for _ in range(n - 1)
            ]
            stages.append(nn.Sequential(*blocks))
            cin = cout
        self.stages = nn.ModuleList(stages)
        self.out_channels = cin

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        x, outs = self.stem(x), []
        for i, stage in enumerate(self.stages):
            x = stage(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
