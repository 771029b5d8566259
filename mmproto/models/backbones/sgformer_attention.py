"""The three attentions of SG-Former (Ren et al., "SG-Former: Self-guided Transformer with
Evolving Token Reallocation", ICCV 2023, Sec. 3) and the significance-guided token aggregation.

All take tokens ``x`` of shape (B, N, C) with ``N = H * W`` (row-major) and add the locally
enhanced positional encoding ``LePE(x)`` to the attention output before the projection.

- :class:`HybridScaleAttention` (Sec. 3.2): half the heads attend globally to keys / values
  reduced by a stride-``sr`` conv, the other half attend inside ``window_size`` windows at full
  resolution; it also returns the significance map S (B, H, W): the attention every key
  receives, averaged over heads and queries, global (upsampled) + local.
- :class:`SelfGuidedAttention` (Sec. 3.1): every query attends to keys / values that
  :class:`TokenReallocation` aggregated from the tokens sorted by S: few tokens per key in salient
  regions, many in minor ones.
- :class:`FullAttention`: plain multi-head self-attention (last stage, ``sr = 1``).
"""

from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import nn


class LePE(nn.Module):
    """Locally enhanced positional encoding: a linear map then a 3x3 depth-wise conv.

    Args:
        dim (int): channels C.
    """

    def __init__(self, dim: int):
        super().__init__()
        self.linear = nn.Linear(dim, dim)
        self.conv = nn.Conv2d(dim, dim, 3, padding=1, groups=dim)

    def forward(self, x: torch.Tensor, hw: Tuple[int, int]) -> torch.Tensor:
        """(B, N, C) -> (B, N, C)."""
        B, N, C = x.shape
        x = self.linear(x).transpose(1, 2).reshape(B, C, *hw)
        return self.conv(x).flatten(2).transpose(1, 2)


def _heads(x: torch.Tensor, num_heads: int) -> torch.Tensor:
    """(B, L, h * d) -> (B, h, L, d)."""
    B, L, _ = x.shape
    return x.view(B, L, num_heads, -1).transpose(1, 2)


def _merge_heads(x: torch.Tensor) -> torch.Tensor:
    """(B, h, L, d) -> (B, L, h * d)."""
    B, h, L, d = x.shape
    return x.transpose(1, 2).reshape(B, L, h * d)


class _Attention(nn.Module):
    """Shared parts: head split, scale, LePE, output projection and dropouts."""

    def __init__(
        self,
        dim: int,
        num_heads: int,
        qkv_bias: bool = True,
        attn_drop: float = 0.0,
        proj_drop: float = 0.0,
    ):
        super().__init__()
        if dim % num_heads:
            raise ValueError(f'embed dims {dim} must be divisible by num_heads {num_heads}')
        self.dim = dim
        self.num_heads = num_heads
        self.head_dim = dim // num_heads
        self.scale = self.head_dim**-0.5
        self.qkv_bias = qkv_bias
        self.lepe = LePE(dim)
        self.attn_drop = nn.Dropout(attn_drop)
        self.proj = nn.Linear(dim, dim)
        self.proj_drop = nn.Dropout(proj_drop)

    def attend(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """softmax(q k^T / sqrt(d)) v; q (B, h, Nq, d), k / v (B, h, Nk, d) -> (B, h, Nq, d)."""
        attn = (q @ k.transpose(-2, -1) * self.scale).softmax(dim=-1)
        return self.attn_drop(attn) @ v

    def output(self, y: torch.Tensor, x: torch.Tensor, hw: Tuple[int, int]) -> torch.Tensor:
        """proj(y + LePE(x)), y and x (B, N, C)."""
        return self.proj_drop(self.proj(y + self.lepe(x, hw)))


class FullAttention(_Attention):
    """Multi-head self-attention over all N tokens (SG-Former's last stage, ``sr = 1``)."""

    def __init__(self, dim: int, num_heads: int, **kwargs):
        super().__init__(dim, num_heads, **kwargs)
        self.q = nn.Linear(dim, dim, bias=self.qkv_bias)
        self.kv = nn.Linear(dim, 2 * dim, bias=self.qkv_bias)

    def forward(
        self, x: torch.Tensor, hw: Tuple[int, int], significance: Optional[torch.Tensor] = None
    ) -> Tuple[torch.Tensor, None]:
        """x (B, N, C) -> (B, N, C), no significance map."""
        k, v = self.kv(x).chunk(2, dim=-1)
        h = self.num_heads
        y = self.attend(_heads(self.q(x), h), _heads(k, h), _heads(v, h))
        return self.output(_merge_heads(y), x, hw), None


def _windows(t: torch.Tensor, ws: int) -> torch.Tensor:
    """(B, Hp, Wp, h, d) -> (B, h, nW, ws * ws, d), windows in row-major order."""
    B, Hp, Wp, h, d = t.shape
    t = t.view(B, Hp // ws, ws, Wp // ws, ws, h, d).permute(0, 5, 1, 3, 2, 4, 6)
    return t.reshape(B, h, -1, ws * ws, d)


def _unwindows(t: torch.Tensor, Hp: int, Wp: int, ws: int) -> torch.Tensor:
    """(B, h, nW, ws * ws, c) -> (B, Hp, Wp, h, c); inverse of :func:`_windows`."""
    B, h, _, _, c = t.shape
    t = t.view(B, h, Hp // ws, Wp // ws, ws, ws, c).permute(0, 2, 4, 3, 5, 1, 6)
    return t.reshape(B, Hp, Wp, h, c)


class HybridScaleAttention(_Attention):
    """Hybrid-scale attention (Sec. 3.2, SG-Former) returning the significance map S.

    Heads ``[0, h/2)``: global attention of all N queries to the ``ceil(H/sr) * ceil(W/sr)``
    tokens of a ``sr x sr`` stride-``sr`` conv + LayerNorm + GELU. Heads ``[h/2, h)``: attention
    inside non-overlapping ``window_size`` windows at full resolution (maps that are no multiple
    of the window are zero-padded and the padded keys masked out).

    S (Sec. 3.2): for each head group the attention a key receives, averaged over the group's
    heads and over its queries (all N globally, the window's real tokens locally), the global one
    upsampled nearest to (H, W); S = global + local, computed without gradient.

    Args:
        dim (int): channels C.
        num_heads (int): heads h (even).
        sr_ratio (int): key / value reduction of the global heads (> 1).
        window_size (int): window of the local heads (7).
        pad_small_map (bool): pad maps that are no multiple of ``window_size``; if False such a
            map raises an error.
    """

    def __init__(
        self,
        dim: int,
        num_heads: int,
        sr_ratio: int,
        window_size: int = 7,
        pad_small_map: bool = True,
        **kwargs,
    ):
        super().__init__(dim, num_heads, **kwargs)
        if num_heads % 2:
            raise ValueError(
                f'hybrid-scale attention splits the heads in two: num_heads={num_heads}'
            )
        if sr_ratio <= 1:
            raise ValueError(f'hybrid-scale attention needs sr_ratio > 1, got {sr_ratio}')
        self.sr_ratio = sr_ratio
        self.window_size = window_size
        self.pad_small_map = pad_small_map
        half = dim // 2
        self.q_global = nn.Linear(dim, half, bias=self.qkv_bias)
        self.sr = nn.Conv2d(dim, dim, sr_ratio, stride=sr_ratio)
        self.sr_norm = nn.LayerNorm(dim)
        self.sr_act = nn.GELU()
        self.kv_global = nn.Linear(dim, dim, bias=self.qkv_bias)
        self.q_local = nn.Linear(dim, half, bias=self.qkv_bias)
        self.kv_local = nn.Linear(dim, dim, bias=self.qkv_bias)

    def _global(self, x: torch.Tensor, hw: Tuple[int, int]) -> Tuple[torch.Tensor, torch.Tensor]:
        """Global heads: x (B, N, C) -> output (B, N, C/2), significance (B, H, W)."""
        B, N, C = x.shape
        if min(hw) < self.sr_ratio:
            raise ValueError(
                f'feature map {hw[0]}x{hw[1]} is smaller than sr_ratio={self.sr_ratio}: SGFormer '
                'needs inputs of at least 32 x 32'
            )
        h = self.num_heads // 2
        reduced = self.sr(x.transpose(1, 2).reshape(B, C, *hw))
        Hr, Wr = reduced.shape[-2:]
        reduced = self.sr_act(self.sr_norm(reduced.flatten(2).transpose(1, 2)))
        k, v = self.kv_global(reduced).chunk(2, dim=-1)
        q = _heads(self.q_global(x), h)
        attn = (q @ _heads(k, h).transpose(-2, -1) * self.scale).softmax(dim=-1)
        y = _merge_heads(self.attn_drop(attn) @ _heads(v, h))
        s = attn.detach().mean(dim=(1, 2)).view(B, 1, Hr, Wr)
        return y, F.interpolate(s, size=hw, mode='nearest')[:, 0]

    def _local(self, x: torch.Tensor, hw: Tuple[int, int]) -> Tuple[torch.Tensor, torch.Tensor]:
        """Window heads: x (B, N, C) -> output (B, N, C/2), significance (B, H, W)."""
        B, N, C = x.shape
        H, W = hw
        h, ws = self.num_heads // 2, self.window_size
        pad_h, pad_w = -H % ws, -W % ws
        if (pad_h or pad_w) and not self.pad_small_map:
            raise ValueError(
                f'feature map {H}x{W} is no multiple of window_size={ws}; set pad_small_map=True'
            )
        q = self.q_local(x).view(B, H, W, h, -1)
        k, v = self.kv_local(x).view(B, H, W, 2, h, -1).unbind(3)
        q, k, v = (F.pad(t, (0, 0, 0, 0, 0, pad_w, 0, pad_h)) for t in (q, k, v))
        Hp, Wp = H + pad_h, W + pad_w
        valid = F.pad(x.new_ones(1, H, W, 1, 1), (0, 0, 0, 0, 0, pad_w, 0, pad_h))
        valid = _windows(valid, ws)[0, 0, :, :, 0] > 0  # (nW, M)
        attn = _windows(q, ws) @ _windows(k, ws).transpose(-2, -1) * self.scale
        attn = attn.masked_fill(~valid[:, None, :], float('-inf')).softmax(dim=-1)
        y = _unwindows(self.attn_drop(attn) @ _windows(v, ws), Hp, Wp, ws)[:, :H, :W]
        # mean over heads, then over the window's real queries: (B, nW, M keys)
        per_query = attn.detach().mean(dim=1) * valid[:, :, None]
        s = per_query.sum(dim=2) / valid.sum(dim=1, keepdim=True)
        s = _unwindows(s[:, None, :, :, None], Hp, Wp, ws)[:, :H, :W, 0, 0]
        return y.reshape(B, N, C // 2), s

    def forward(
        self, x: torch.Tensor, hw: Tuple[int, int], significance: Optional[torch.Tensor] = None
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """x (B, N, C) -> (output (B, N, C), significance map S (B, H, W))."""
        y_global, s_global = self._global(x, hw)
        y_local, s_local = self._local(x, hw)
        y = torch.cat([y_global, y_local], dim=-1)
        return self.output(y, x, hw), s_global + s_local


class TokenReallocation(nn.Module):
    """Significance-guided aggregation of tokens into keys / values (Sec. 3.1, SG-Former).

    The N tokens are sorted by ascending significance and cut into consecutive sub-regions of
    fractions ``f_1..f_n`` of N (the last one the most significant); in sub-region i every
    ``r_i`` consecutive sorted tokens are merged into one by a learned weighted sum
    (``nn.Linear(r_i, 1)``, shared over channels). A sub-region whose length is no multiple of
    ``r_i`` is zero-padded at its end (never the case at 224 x 224 input).

    Args:
        fractions (Sequence[float]): sub-region sizes as fractions of N (sum 1).
        rates (Sequence[int]): aggregation rate r_i per sub-region.
    """

    def __init__(self, fractions: Sequence[float], rates: Sequence[int]):
        super().__init__()
        if len(fractions) != len(rates) or not fractions:
            raise ValueError(f'fractions {fractions} and rates {rates} must pair up')
        if abs(sum(fractions) - 1) > 1e-6 or min(fractions) <= 0:
            raise ValueError(f'aggregation fractions must be positive and sum to 1: {fractions}')
        if min(rates) < 1:
            raise ValueError(f'aggregation rates must be >= 1: {rates}')
        self.fractions = tuple(float(f) for f in fractions)
        self.rates = tuple(int(r) for r in rates)
        self.aggregate = nn.ModuleList(nn.Linear(r, 1) for r in self.rates)

    def num_tokens(self, n: int) -> int:
        """Number of aggregated tokens for ``n`` input tokens."""
        bounds = self._bounds(n)
        return sum(-(-(b - a) // r) for a, b, r in zip(bounds, bounds[1:], self.rates))

    def _bounds(self, n: int) -> list:
        cum, bounds = 0.0, [0]
        for f in self.fractions[:-1]:
            cum += f
            bounds.append(int(n * cum))
        return bounds + [n]

    def forward(self, x: torch.Tensor, significance: torch.Tensor) -> torch.Tensor:
        """x (B, N, C), significance (B, N) -> aggregated tokens (B, num_tokens(N), C)."""
        B, N, C = x.shape
        order = torch.argsort(significance, dim=1, stable=True)
        x = torch.gather(x, 1, order[..., None].expand(-1, -1, C))
        bounds = self._bounds(N)
        out = []
        for a, b, r, linear in zip(bounds, bounds[1:], self.rates, self.aggregate):
            if b == a:
                continue
            part = F.pad(x[:, a:b], (0, 0, 0, -(b - a) % r))
            out.append(linear(part.view(B, -1, r, C).transpose(2, 3)).squeeze(-1))
        return torch.cat(out, dim=1)


class SelfGuidedAttention(_Attention):
    """Self-guided attention (Sec. 3.1, SG-Former), guided by the previous block's S.

    All N queries are kept; keys / values are the :class:`TokenReallocation` tokens. Heads
    ``[0, h/2)`` aggregate the tokens scanned row-major, heads ``[h/2, h)`` scanned column-major
    (both sorted by S with a stable sort, so the two differ where S ties), each group with its
    own key / value projection; the aggregation weights are shared.

    Args:
        dim (int): channels C.
        num_heads (int): heads h (even).
        fractions, rates: see :class:`TokenReallocation`.
    """

    def __init__(
        self, dim: int, num_heads: int, fractions: Sequence[float], rates: Sequence[int], **kwargs
    ):
        super().__init__(dim, num_heads, **kwargs)
        if num_heads % 2:
            raise ValueError(
                f'self-guided attention splits the heads in two: num_heads={num_heads}'
            )
        self.q = nn.Linear(dim, dim, bias=self.qkv_bias)
        self.reallocation = TokenReallocation(fractions, rates)
        self.kv_row = nn.Linear(dim, dim, bias=self.qkv_bias)
        self.kv_col = nn.Linear(dim, dim, bias=self.qkv_bias)

    def forward(
        self, x: torch.Tensor, hw: Tuple[int, int], significance: Optional[torch.Tensor] = None
    ) -> Tuple[torch.Tensor, None]:
        """x (B, N, C), significance S (B, H, W) -> (B, N, C), no significance map."""
        if significance is None:
            raise ValueError('SelfGuidedAttention needs the significance map of the block before')
        B, N, C = x.shape
        H, W = hw
        if significance.shape != (B, H, W):
            raise ValueError(f'significance map {tuple(significance.shape)} != {(B, H, W)}')
        h = self.num_heads // 2
        x_col = x.view(B, H, W, C).transpose(1, 2).reshape(B, N, C)
        s_col = significance.transpose(1, 2).reshape(B, N)
        k_row, v_row = self.kv_row(self.reallocation(x, significance.reshape(B, N))).chunk(2, -1)
        k_col, v_col = self.kv_col(self.reallocation(x_col, s_col)).chunk(2, -1)
        k = torch.cat([_heads(k_row, h), _heads(k_col, h)], dim=1)
        v = torch.cat([_heads(v_row, h), _heads(v_col, h)], dim=1)
        y = self.attend(_heads(self.q(x), self.num_heads), k, v)
        return self.output(_merge_heads(y), x, hw), None
