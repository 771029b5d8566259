"""Per-(class, sub-centroid) statistics and the momentum update of Eq. 8 (DNC)."""

from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from .own_class_similarity import default_chunk_rows


@torch.no_grad()
def subcentroid_statistics(
    x: Tensor,
    labels: Tensor,
    assign: Tensor,
    weight: Optional[Tensor],
    num_classes: int,
    num_subcentroids: int,
    chunk_rows: Optional[int] = None,
) -> Tuple[Tensor, Tensor]:
    """Sums and counts of the samples assigned to each (c, k) cluster (Alg. 1, DNC: f, n).

    ``sums[c, k] = sum_i w_i [y_i = c][a_i = k] x_i`` and ``counts[c, k] = sum_i w_i [...]``.
    With ``weight`` = "correctly classified" this is Alg. 1's ``m_q``-masked sum.

    Args:
        x: ``[N, D]`` features (any float dtype; accumulated in fp32).
        labels: ``[N]`` class ids (``< 0``: skipped).
        assign: ``[N]`` sub-centroid ids (``< 0``: skipped).
        weight: optional ``[N]`` sample weights (bool or float); None means 1.
        num_classes: C.
        num_subcentroids: K.
        chunk_rows: rows converted to fp32 at once (default: a 16 MiB buffer).

    Returns:
        ``sums [C, K, D]`` and ``counts [C, K]``, fp32.
    """
    with torch.autocast(device_type=x.device.type, enabled=False):
        dim = x.shape[1]
        sums = torch.zeros((num_classes * num_subcentroids, dim), device=x.device)
        counts = torch.zeros(num_classes * num_subcentroids, device=x.device)
        sel = (labels >= 0) & (assign >= 0)
        if weight is not None:
            sel &= weight != 0
        flat = labels * num_subcentroids + assign
        w = None if weight is None or weight.dtype == torch.bool else weight.float()
        chunk_rows = chunk_rows or default_chunk_rows(dim)
        idx = sel.nonzero().squeeze(1)
        if 2 * idx.numel() >= x.shape[0]:
            # most rows count (segmentation batches): add contiguous chunks of x in place
            # (fp32 chunks are views, no gathered copy); the other rows go to a spare row
            spare = num_classes * num_subcentroids
            sums, counts = F.pad(sums, (0, 0, 0, 1)), F.pad(counts, (0, 1))
            flat = torch.where(sel, flat, torch.full_like(flat, spare))
            chunks = [(slice(s, s + chunk_rows), None) for s in range(0, x.shape[0], chunk_rows)]
        else:  # few rows count (e.g. few correct samples): gather them
            flat = flat[idx]
            chunks = [(slice(s, s + chunk_rows), idx) for s in range(0, idx.numel(), chunk_rows)]
        for part, rows in chunks:
            xs = (x[part] if rows is None else x.index_select(0, rows[part])).float()
            dest = flat[part]
            if w is None:
                ws = torch.ones_like(dest, dtype=torch.float32)
            else:
                ws = w[part] if rows is None else w[rows[part]]
                xs = xs * ws[:, None]
            sums.index_add_(0, dest, xs)
            counts.index_add_(0, dest, ws)
        spare_rows = sums.shape[0] - num_classes * num_subcentroids
        if spare_rows:
            sums, counts = sums[:-spare_rows], counts[:-spare_rows]
        return sums.view(num_classes, num_subcentroids, dim), counts.view(
            num_classes, num_subcentroids
        )


@torch.no_grad()
def momentum_update_rows(
    prototypes: Tensor,
    sums: Tensor,
    counts: Tensor,
    momentum: float = 0.999,
    normalize_mean: bool = False,
) -> Tuple[Tensor, Tensor]:
    """Eq. 8 (DNC) for the sub-centroids that move: returns ``(index, rows)``.

    ``index [M]`` are flat ``c * K + k`` ids with ``counts > 0`` and ``rows [M, D]`` their new
    l2-normalised values ``norm(mu p^c_k + (1 - mu) xbar^c_k)``. Arguments as in
    :func:`momentum_update`. Touching only the moved rows keeps the cost proportional to the
    clustered samples, not to ``C x K x D``.
    """
    with torch.autocast(device_type=prototypes.device.type, enabled=False):
        dim = prototypes.shape[-1]
        idx = (counts.reshape(-1) > 0).nonzero().squeeze(1)
        p, s, n = prototypes.reshape(-1, dim), sums.reshape(-1, dim), counts.reshape(-1, 1)
        if idx.numel() < n.shape[0]:  # else every sub-centroid moves: no gathered copies
            p, s, n = p.index_select(0, idx), s.index_select(0, idx), n.index_select(0, idx)
        p, s = p.float(), s.float()
        if normalize_mean:
            rows = F.normalize(s, dim=-1)
        else:
            rows = s / n.float()
        # norm(mu p + (1 - mu) xbar), in place on one fresh [M, D] buffer (same rounding)
        rows.mul_(1.0 - momentum).add_(p * momentum)
        return idx, rows.div_(rows.norm(dim=-1, keepdim=True).clamp_(min=1e-12))


@torch.no_grad()
def momentum_update(
    prototypes: Tensor,
    sums: Tensor,
    counts: Tensor,
    momentum: float = 0.999,
    normalize_mean: bool = False,
) -> Tensor:
    """Eq. 8 (DNC): ``p^c_k <- mu p^c_k + (1 - mu) xbar^c_k``, then l2-normalised.

    Only sub-centroids with ``counts > 0`` move; the others are returned bit-identical.

    Args:
        prototypes: ``[C, K, D]`` unit-norm sub-centroids.
        sums: ``[C, K, D]`` from :func:`subcentroid_statistics`.
        counts: ``[C, K]``.
        momentum: ``mu`` (paper: 0.999).
        normalize_mean: False: ``xbar`` is the mean ``sums / counts`` (Eq. 8). True: the
            l2-normalised sum (released DNC code; same direction, unit length).

    Returns:
        ``[C, K, D]`` fp32 updated sub-centroids.
    """
    idx, rows = momentum_update_rows(prototypes, sums, counts, momentum, normalize_mean)
    out = prototypes.float().clone()
    out.view(-1, out.shape[-1]).index_copy_(0, idx, rows)
    return out
