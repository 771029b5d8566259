"""Softmax margin variants applied to target logits (MCC Table 6: L-Softmax and L-AM / ArcFace)."""

import math
from typing import Union

import torch
from torch import Tensor

__all__ = ['additive_angular_margin', 'chebyshev_cos_multiple', 'large_margin_psi']

_EPS = 1e-7


def additive_angular_margin(
    cosine: Tensor, margins: Union[float, Tensor], easy_margin: bool = False
) -> Tensor:
    """ArcFace target logit ``cos(theta + m)`` (Deng et al., 2019, Eq. 3), elementwise.

    Where ``theta + m`` would pass pi the curve continues as ``cos(theta) - m sin(m)`` so it stays
    monotonically decreasing (the rule of mmpretrain's ``ArcFaceClsHead``); ``easy_margin``
    keeps ``cos(theta)`` wherever ``cos(theta) <= 0`` instead.

    Args:
        cosine (Tensor): ``cos(theta)`` in [-1, 1], any shape (..., M).
        margins (float | Tensor): additive angle m, broadcastable to ``cosine`` (e.g. (M,)).
    """
    margins = torch.as_tensor(margins, dtype=cosine.dtype, device=cosine.device)
    # cos(theta + m) = cos(theta) cos(m) - sin(theta) sin(m); the clamp keeps the gradient finite
    sine = (1.0 - cosine * cosine).clamp_min(1e-12).sqrt()
    phi = cosine * torch.cos(margins) - sine * torch.sin(margins)
    if easy_margin:
        return torch.where(cosine > 0, phi, cosine)
    threshold = torch.cos(math.pi - margins)
    return torch.where(cosine > threshold, phi, cosine - torch.sin(margins) * margins)


def chebyshev_cos_multiple(cosine: Tensor, m: int) -> Tensor:
    """``cos(m theta)`` as the Chebyshev polynomial ``T_m(cos theta)`` (smooth gradients)."""
    if m < 1:
        raise ValueError(f'margin multiplier m must be an int >= 1, got {m}')
    prev, cur = torch.ones_like(cosine), cosine
    for _ in range(m - 1):
        prev, cur = cur, 2 * cosine * cur - prev
    return cur


def large_margin_psi(cosine: Tensor, m: int) -> Tensor:
    """L-Softmax ``psi(theta) = (-1)^k cos(m theta) - 2k`` for ``theta`` in
    ``[k pi / m, (k + 1) pi / m]`` (Liu et al., Large-Margin Softmax Loss, Eq. 6), elementwise.

    ``psi`` is monotonically decreasing on [0, pi] and ``psi(theta) <= cos(theta)``; ``m = 1``
    gives ``cos(theta)``.
    """
    if isinstance(m, bool) or not isinstance(m, int) or m < 1:
        raise ValueError(f'margin multiplier m must be an int >= 1, got {m!r}')
    cosine = cosine.clamp(-1.0, 1.0)
    with torch.no_grad():
        theta = torch.acos(cosine.clamp(-1.0 + _EPS, 1.0 - _EPS))
        k = torch.floor(m * theta / math.pi).clamp(0, m - 1)
        sign = 1.0 - 2.0 * torch.remainder(k, 2)
    return sign * chebyshev_cos_multiple(cosine, m) - 2.0 * k
