"""Gaussian-potential uniformity of points on the unit hypersphere (DL2PA §3.2.1, Eq. 3-5)."""

from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor


def gaussian_potential(u: Tensor, v: Tensor, t: float = 2.0) -> Tensor:
    """Pairwise Gaussian potential kernel ``G_t(u, v) = exp(-t ||u - v||^2)`` (Eq. 3, DL2PA).

    Args:
        u: ``(n, d)`` points. v: ``(m, d)`` points. t: kernel scale ``t > 0``.

    Returns:
        ``(n, m)`` kernel matrix.
    """
    if t <= 0:
        raise ValueError(f'uniformity kernel scale t must be > 0, got {t}')
    return torch.exp(-t * torch.cdist(u, v).pow(2))


def uniformity_loss(w: Tensor, t: float = 2.0, others: Optional[Tensor] = None) -> Tensor:
    """Uniformity loss ``L_uni`` of l2-normalised prototypes (Eq. 4-5, DL2PA).

    Rows of ``w`` are normalised first. Without ``others`` the loss is the log of the mean
    potential over the distinct unordered pairs inside ``w`` (what the official code optimises,
    Eq. 4 on the subset). With ``others`` (the full prototype set) it is Eq. 5 as printed:
    ``log(1/(|w| |others|) sum_i sum_j G_t(w_i, others_j))`` — pairs of a point with itself are
    excluded by the caller passing disjoint sets or accepted as a constant offset.

    Args:
        w: ``(n, d)`` prototypes (any norm), ``n >= 2`` when ``others`` is None.
        t: kernel scale (official code: 2).
        others: optional ``(m, d)`` second set.

    Returns:
        Scalar loss (lower = more uniform).
    """
    w = F.normalize(w, dim=-1)
    if others is not None:
        return gaussian_potential(w, F.normalize(others, dim=-1), t).mean().log()
    if w.size(0) < 2:
        raise ValueError(
            f'uniformity_loss needs at least 2 prototypes, got w of shape {tuple(w.shape)}'
        )
    sq = torch.pdist(w).pow(2)  # distinct pairs i < j
    return torch.exp(-t * sq).mean().log()
