"""SG-Former backbone (Ren et al., "SG-Former: Self-guided Transformer with Evolving Token
Reallocation", ICCV 2023, arXiv 2308.12216).

Four stages at strides 4 / 8 / 16 / 32. A conv stem (three 3x3 convs, strides 2 / 1 / 2,
GroupNorm(1) + GELU between them, then LayerNorm over tokens) plus a learnable position
embedding initialised to 2-D sin-cos; between stages a conv down-sampling (1x1 conv, 3x3
depth-wise stride-2 conv, 1x1 conv, each + GroupNorm(1), GELU between). In stages with
``sr > 1`` hybrid-scale and self-guided blocks alternate (the first produces the significance map
the second reallocates tokens by, Sec. 3); the last stage (``sr = 1``) uses full attention. Blocks
are pre-norm, ``x + DropPath(Attn(LN(x)))``, ``x + DropPath(FFN(LN(x)))``, the FFN with a 3x3
depth-wise conv added to its hidden features before the GELU. Each stage ends with a LayerNorm
whose output goes on to the next stage and out of the backbone. The choices the paper leaves
open and where they come from: configs/mcc/README.md (SGFormer).
"""

import math
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
from mmcv.cnn.bricks import DropPath
from mmengine.model.weight_init import constant_init, normal_init, trunc_normal_init
from mmpretrain.models.backbones.base_backbone import BaseBackbone
from mmpretrain.models.utils import build_2d_sincos_position_embedding, resize_pos_embed
from mmpretrain.registry import MODELS
from torch import nn

from .sgformer_attention import FullAttention, HybridScaleAttention, SelfGuidedAttention

# Sub-region fractions of the sorted tokens and their aggregation rates, per sr ratio (the
# official code's choice at 224 x 224: stage 1 merges 196 / 56 / 28, stage 2 49 / 14 / 7 tokens
# per key in the least / middle / most significant quarter / half / quarter, stage 3 2 / 1).
DEFAULT_AGGREGATION = {
    8: dict(fractions=(0.25, 0.5, 0.25), rates=(196, 56, 28)),
    4: dict(fractions=(0.25, 0.5, 0.25), rates=(49, 14, 7)),
    2: dict(fractions=(0.5, 0.5), rates=(2, 1)),
}


def _conv_gn(c_in: int, c_out: int, kernel: int, stride: int = 1, groups: int = 1) -> nn.Sequential:
    """Bias-free conv + GroupNorm with one group."""
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, kernel, stride, kernel // 2, groups=groups, bias=False),
        nn.GroupNorm(1, c_out),
    )


class ConvStem(nn.Module):
    """(B, 3, H, W) -> tokens (B, H/4 * W/4, C), three 3x3 convs (strides 2, 1, 2) + LayerNorm."""

    def __init__(self, in_channels: int, dim: int):
        super().__init__()
        self.convs = nn.Sequential(
            _conv_gn(in_channels, dim, 3, 2),
            nn.GELU(),
            _conv_gn(dim, dim, 3, 1),
            nn.GELU(),
            _conv_gn(dim, dim, 3, 2),
        )
        self.norm = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, Tuple[int, int]]:
        x = self.convs(x)
        return self.norm(x.flatten(2).transpose(1, 2)), tuple(x.shape[-2:])


class ConvDownsample(nn.Module):
    """(B, C_in, H, W) -> tokens (B, H/2 * W/2, C_out): 1x1, 3x3 depth-wise stride 2, 1x1."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.convs = nn.Sequential(
            _conv_gn(c_in, c_out, 1),
            nn.GELU(),
            _conv_gn(c_out, c_out, 3, 2, groups=c_out),
            nn.GELU(),
            _conv_gn(c_out, c_out, 1),
        )

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, Tuple[int, int]]:
        x = self.convs(x)
        return x.flatten(2).transpose(1, 2), tuple(x.shape[-2:])


class ConvFFN(nn.Module):
    """fc2(drop(GELU(h + DWConv3x3(h)))), h = fc1(x); (B, N, C) -> (B, N, C)."""

    def __init__(self, dim: int, hidden: int, drop: float = 0.0):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.dwconv = nn.Conv2d(hidden, hidden, 3, padding=1, groups=hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)
        self.drop = nn.Dropout(drop)

    def forward(self, x: torch.Tensor, hw: Tuple[int, int]) -> torch.Tensor:
        h = self.fc1(x)
        B, N, C = h.shape
        local = self.dwconv(h.transpose(1, 2).reshape(B, C, *hw)).flatten(2).transpose(1, 2)
        return self.drop(self.fc2(self.drop(self.act(h + local))))


class SGFormerBlock(nn.Module):
    """Pre-norm transformer block with one of SG-Former's attentions.

    Args:
        dim (int): channels C.
        num_heads (int): attention heads.
        attention (str): ``'hybrid'`` (:class:`HybridScaleAttention`, returns S),
            ``'guided'`` (:class:`SelfGuidedAttention`, consumes S) or ``'full'``.
        mlp_ratio (float): FFN hidden width / C.
        sr_ratio (int): key / value reduction of the hybrid block's global heads.
        window_size (int), pad_small_map (bool): the hybrid block's local window.
        aggregation (dict): ``fractions`` and ``rates`` of the guided block.
        qkv_bias (bool), drop (float), attn_drop (float), drop_path (float): as usual.
    """

    def __init__(
        self,
        dim: int,
        num_heads: int,
        attention: str,
        mlp_ratio: float = 4.0,
        sr_ratio: int = 1,
        window_size: int = 7,
        pad_small_map: bool = True,
        aggregation: Optional[dict] = None,
        qkv_bias: bool = True,
        drop: float = 0.0,
        attn_drop: float = 0.0,
        drop_path: float = 0.0,
        norm_eps: float = 1e-6,
    ):
        super().__init__()
        common = dict(qkv_bias=qkv_bias, attn_drop=attn_drop, proj_drop=drop)
        if attention == 'hybrid':
            self.attn = HybridScaleAttention(
                dim, num_heads, sr_ratio, window_size, pad_small_map, **common
            )
        elif attention == 'guided':
            self.attn = SelfGuidedAttention(dim, num_heads, **aggregation, **common)
        elif attention == 'full':
            self.attn = FullAttention(dim, num_heads, **common)
        else:
            raise ValueError(f"attention must be 'hybrid', 'guided' or 'full', got {attention!r}")
        self.attention = attention
        self.norm1 = nn.LayerNorm(dim, eps=norm_eps)
        self.norm2 = nn.LayerNorm(dim, eps=norm_eps)
        self.ffn = ConvFFN(dim, int(dim * mlp_ratio), drop)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()

    def forward(
        self, x: torch.Tensor, hw: Tuple[int, int], significance: Optional[torch.Tensor]
    ) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        """x (B, N, C), S of the block before -> (B, N, C), this block's S (hybrid) or None."""
        y, significance = self.attn(self.norm1(x), hw, significance)
        x = x + self.drop_path(y)
        return x + self.drop_path(self.ffn(self.norm2(x), hw)), significance


@MODELS.register_module()
class SGFormer(BaseBackbone):
    """SG-Former backbone (Ren et al., ICCV 2023).

    Args:
        arch (str | dict): ``'s'``, ``'m'``, ``'b'`` (SG-Former's Small / Medium / Base) or a
            dict with ``embed_dims``, ``depths``, ``num_heads``, ``mlp_ratios``, ``sr_ratios``
            (4 entries each; depths of ``sr > 1`` stages even).
        img_size (int): training input size; the position embedding has (img_size / 4)^2
            entries and is resized bicubically for other inputs.
        in_channels (int): image channels.
        window_size (int): window of the hybrid blocks' local heads (7).
        pad_small_map (bool): zero-pad maps that are no multiple of ``window_size`` (masked);
            False raises an error for them instead.
        aggregation (dict, optional): sr ratio -> ``dict(fractions, rates)`` of the self-guided
            blocks' token reallocation; default :data:`DEFAULT_AGGREGATION`.
        qkv_bias (bool): biases in the q / k / v projections (True).
        drop_rate, attn_drop_rate (float): dropouts (0).
        drop_path_rate (float): stochastic depth, linear over all blocks from 0 to this.
        out_indices (Sequence[int]): stages whose normed (B, C_i, H_i, W_i) maps are returned.
        frozen_stages (int): freeze the stem (>= 0) and stages ``0..frozen_stages`` with their
            down-sampling and norm; -1 freezes nothing.
        init_cfg (dict | list, optional): None: the official initialisation (see
            :meth:`init_weights`).

    Example:
        >>> model = SGFormer('s')  # 22.5M parameters with a 1000-class linear head
        >>> [o.shape for o in model(torch.rand(1, 3, 224, 224))]
        [torch.Size([1, 512, 7, 7])]
    """

    arch_zoo: Dict[str, dict] = {
        's': dict(
            embed_dims=(64, 128, 256, 512),
            depths=(2, 4, 16, 1),
            num_heads=(2, 4, 8, 16),
            mlp_ratios=(4, 4, 4, 4),
            sr_ratios=(8, 4, 2, 1),
        ),
        'm': dict(
            embed_dims=(64, 128, 256, 512),
            depths=(2, 6, 28, 2),
            num_heads=(2, 4, 8, 16),
            mlp_ratios=(4, 4, 4, 4),
            sr_ratios=(8, 4, 2, 1),
        ),
        'b': dict(
            embed_dims=(96, 192, 384, 768),
            depths=(4, 6, 24, 2),
            num_heads=(4, 6, 12, 24),
            mlp_ratios=(4, 4, 4, 4),
            sr_ratios=(8, 4, 2, 1),
        ),
    }
    arch_keys = ('embed_dims', 'depths', 'num_heads', 'mlp_ratios', 'sr_ratios')

    def __init__(
        self,
        arch: Union[str, dict] = 's',
        img_size: int = 224,
        in_channels: int = 3,
        window_size: int = 7,
        pad_small_map: bool = True,
        aggregation: Optional[Dict[int, dict]] = None,
        qkv_bias: bool = True,
        drop_rate: float = 0.0,
        attn_drop_rate: float = 0.0,
        drop_path_rate: float = 0.0,
        out_indices: Sequence[int] = (3,),
        frozen_stages: int = -1,
        init_cfg: Optional[Union[dict, list]] = None,
    ):
        super().__init__(init_cfg=init_cfg)
        settings = self._arch_settings(arch)
        self.embed_dims = settings['embed_dims']
        self.depths = settings['depths']
        self.num_stages = 4
        aggregation = dict(DEFAULT_AGGREGATION if aggregation is None else aggregation)
        self.out_indices = self._check_out_indices(out_indices)
        if not -1 <= frozen_stages < self.num_stages:
            raise ValueError(f'frozen_stages must be in [-1, 3], got {frozen_stages}')
        self.frozen_stages = frozen_stages

        self.patch_grid = (img_size // 4, img_size // 4)
        self.stem = ConvStem(in_channels, self.embed_dims[0])
        pos_embed = build_2d_sincos_position_embedding(self.patch_grid, self.embed_dims[0])
        self.pos_embed = nn.Parameter(pos_embed)
        self.downsamples = nn.ModuleList(
            ConvDownsample(self.embed_dims[i - 1], self.embed_dims[i]) for i in range(1, 4)
        )

        drop_paths = torch.linspace(0, drop_path_rate, sum(self.depths)).tolist()
        self.stages = nn.ModuleList()
        self.norms = nn.ModuleList()
        for i, (dim, depth, heads, mlp, sr) in enumerate(
            zip(*(settings[k] for k in self.arch_keys))
        ):
            if sr > 1 and depth % 2:
                raise ValueError(
                    f'stage {i}: hybrid and self-guided blocks alternate, depth must be even '
                    f'(got {depth})'
                )
            if sr > 1 and sr not in aggregation:
                raise ValueError(f'stage {i}: no aggregation setting for sr_ratio={sr}')
            blocks = nn.ModuleList()
            for j in range(depth):
                attention = 'full' if sr == 1 else ('guided' if j % 2 else 'hybrid')
                blocks.append(
                    SGFormerBlock(
                        dim,
                        heads,
                        attention,
                        mlp_ratio=mlp,
                        sr_ratio=sr,
                        window_size=window_size,
                        pad_small_map=pad_small_map,
                        aggregation=aggregation.get(sr),
                        qkv_bias=qkv_bias,
                        drop=drop_rate,
                        attn_drop=attn_drop_rate,
                        drop_path=drop_paths.pop(0),
                    )
                )
            self.stages.append(blocks)
            self.norms.append(nn.LayerNorm(dim, eps=1e-6))
        self._freeze_stages()

    def _arch_settings(self, arch: Union[str, dict]) -> dict:
        if isinstance(arch, str):
            if arch.lower() not in self.arch_zoo:
                raise ValueError(f'arch {arch!r} not in {sorted(self.arch_zoo)}')
            return self.arch_zoo[arch.lower()]
        if not isinstance(arch, dict) or set(arch) != set(self.arch_keys):
            raise ValueError(f'a custom arch must be a dict with exactly the keys {self.arch_keys}')
        if any(len(arch[k]) != 4 for k in self.arch_keys):
            raise ValueError(f'every arch entry needs 4 values (one per stage): {arch}')
        return {k: tuple(arch[k]) for k in self.arch_keys}

    def _check_out_indices(self, out_indices: Sequence[int]) -> Tuple[int, ...]:
        if isinstance(out_indices, int):
            out_indices = (out_indices,)
        if any(not -self.num_stages <= i < self.num_stages for i in out_indices):
            raise ValueError(f'out_indices must be in [-4, 3], got {out_indices}')
        return tuple(i % self.num_stages for i in out_indices)

    def _frozen_modules(self):
        if self.frozen_stages >= 0:
            yield self.stem
        for i in range(self.frozen_stages + 1):
            if i > 0:
                yield self.downsamples[i - 1]
            yield self.stages[i]
            yield self.norms[i]

    def _freeze_stages(self):
        if self.frozen_stages >= 0:
            self.pos_embed.requires_grad = False
        for m in self._frozen_modules():
            m.eval()
            for p in m.parameters():
                p.requires_grad = False

    def train(self, mode: bool = True):
        super().train(mode)
        self._freeze_stages()
        return self

    def init_weights(self):
        """Official initialisation unless ``init_cfg`` loads weights: Linear truncated normal
        (std 0.02, bias 0), conv normal with std sqrt(2 / fan_out) (fan_out = k * k * C_out /
        groups, bias 0), Layer/GroupNorm 1 / 0, position embedding 2-D sin-cos."""
        if self.init_cfg is not None:
            super().init_weights()
            return
        for m in self.modules():
            if isinstance(m, nn.Linear):
                trunc_normal_init(m, std=0.02, bias=0.0)
            elif isinstance(m, nn.Conv2d):
                fan_out = m.kernel_size[0] * m.kernel_size[1] * m.out_channels // m.groups
                normal_init(m, mean=0.0, std=math.sqrt(2.0 / fan_out), bias=0.0)
            elif isinstance(m, (nn.LayerNorm, nn.GroupNorm)):
                constant_init(m, val=1.0, bias=0.0)
        pos_embed = build_2d_sincos_position_embedding(self.patch_grid, self.embed_dims[0])
        with torch.no_grad():
            self.pos_embed.copy_(pos_embed)
        self._is_init = True

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """(B, 3, H, W) -> the normed maps of ``out_indices``, (B, C_i, H / 2^(i+2), ...)."""
        B = x.shape[0]
        x, hw = self.stem(x)
        pos_embed = self.pos_embed
        if hw != self.patch_grid:
            pos_embed = resize_pos_embed(pos_embed, self.patch_grid, hw, num_extra_tokens=0)
        x = x + pos_embed
        outs, x_map = [], None
        for i, (blocks, norm) in enumerate(zip(self.stages, self.norms)):
            if i > 0:
                x, hw = self.downsamples[i - 1](x_map)
            significance = None
            for block in blocks:
                x, significance = block(x, hw, significance)
            x_map = norm(x).transpose(1, 2).reshape(B, -1, *hw)
            if i in self.out_indices:
                outs.append(x_map)
        return tuple(outs)
