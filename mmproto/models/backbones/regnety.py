"""RegNetY (Radosavovic et al., "Designing Network Design Spaces", 2020): RegNetX + SE.

mmpretrain ships RegNetX only. RegNetY keeps RegNetX's stem, stages and X block and adds a
Squeeze-and-Excitation module after the 3x3 group conv of every block, with
``round(se_ratio * w_in)`` squeeze channels (``w_in``: the block's input width), ReLU / Sigmoid.
"""

from mmpretrain.models.backbones.regnet import RegNet
from mmpretrain.models.backbones.resnext import Bottleneck
from mmpretrain.models.utils import SELayer
from mmpretrain.registry import MODELS
from torch.utils import checkpoint as cp


class RegNetYBottleneck(Bottleneck):
    """RegNet's X block (1x1, 3x3 group conv, 1x1) with SE after the 3x3 conv (the Y block)."""

    def __init__(self, in_channels: int, out_channels: int, se_ratio: float = 0.25, **kwargs):
        super().__init__(in_channels, out_channels, **kwargs)
        self.se = SELayer(self.mid_channels, squeeze_channels=int(round(in_channels * se_ratio)))

    def forward(self, x):
        def _inner_forward(x):
            out = self.relu(self.norm1(self.conv1(x)))
            out = self.relu(self.norm2(self.conv2(out)))
            out = self.norm3(self.conv3(self.se(out)))
            identity = x if self.downsample is None else self.downsample(x)
            return self.drop_path(out) + identity

        if self.with_cp and x.requires_grad:
            out = cp.checkpoint(_inner_forward, x, use_reentrant=False)
        else:
            out = _inner_forward(x)
        return self.relu(out)


@MODELS.register_module()
class RegNetY(RegNet):
    """RegNetY backbone (mmpretrain ``RegNet`` with SE blocks).

    Args:
        arch (str | dict): a name in ``arch_settings`` (the RegNetY models of the paper's
            Table 4 / model zoo: depth, w0, wa, wm, group width) or a dict of the same keys.
        se_ratio (float): SE squeeze ratio relative to the block input width (0.25).
        **kwargs: as mmpretrain ``RegNet``.

    Example:
        >>> model = RegNetY('regnety_4.0gf')  # final width 1088; 16gf: 3024
    """

    arch_settings = {
        'regnety_400mf': dict(w0=48, wa=27.89, wm=2.09, group_w=8, depth=16, bot_mul=1.0),
        'regnety_800mf': dict(w0=56, wa=38.84, wm=2.4, group_w=16, depth=14, bot_mul=1.0),
        'regnety_1.6gf': dict(w0=48, wa=20.71, wm=2.65, group_w=24, depth=27, bot_mul=1.0),
        'regnety_3.2gf': dict(w0=80, wa=42.63, wm=2.66, group_w=24, depth=21, bot_mul=1.0),
        'regnety_4.0gf': dict(w0=96, wa=31.41, wm=2.24, group_w=64, depth=22, bot_mul=1.0),
        'regnety_6.4gf': dict(w0=112, wa=33.22, wm=2.27, group_w=72, depth=25, bot_mul=1.0),
        'regnety_8.0gf': dict(w0=192, wa=76.82, wm=2.19, group_w=56, depth=17, bot_mul=1.0),
        'regnety_12gf': dict(w0=168, wa=73.36, wm=2.37, group_w=112, depth=19, bot_mul=1.0),
        'regnety_16gf': dict(w0=200, wa=106.23, wm=2.48, group_w=112, depth=18, bot_mul=1.0),
        'regnety_32gf': dict(w0=232, wa=115.89, wm=2.53, group_w=232, depth=20, bot_mul=1.0),
    }

    def __init__(self, arch, se_ratio: float = 0.25, **kwargs):
        if not 0 < se_ratio <= 1:
            raise ValueError(f'se_ratio must be in (0, 1], got {se_ratio}')
        self.se_ratio = se_ratio
        super().__init__(arch, **kwargs)

    def make_res_layer(self, **kwargs):
        kwargs['block'] = RegNetYBottleneck
        kwargs['se_ratio'] = self.se_ratio
        return super().make_res_layer(**kwargs)
