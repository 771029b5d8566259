"""Nearest real training sample of every sub-centroid (§4.3 / Table 4, DNC).

"Then we anchor each sub-centroid to its closest training image, based on the cosine similarity
of features" (§4.3). The search streams over the training set: every batch refines a running
best ``(similarity, sample index)`` per sub-centroid ``(c, k)``; only samples of class ``c`` are
candidates for the sub-centroids of ``c``. Ties are broken towards the smaller sample index, so
the result does not depend on batch order or on how the set is split over ranks.
"""

from typing import Tuple

import torch
from torch import Tensor

__all__ = ['init_nearest_samples', 'merge_nearest_samples', 'update_nearest_samples']


def init_nearest_samples(
    num_classes: int, num_subcentroids: int, device=None
) -> Tuple[Tensor, Tensor]:
    """Empty running state: similarity ``-inf`` and index ``-1`` for every ``(c, k)``."""
    best_sim = torch.full((num_classes, num_subcentroids), float('-inf'), device=device)
    best_idx = torch.full((num_classes, num_subcentroids), -1, dtype=torch.long, device=device)
    return best_sim, best_idx


def merge_nearest_samples(
    sim_a: Tensor, idx_a: Tensor, sim_b: Tensor, idx_b: Tensor
) -> Tuple[Tensor, Tensor]:
    """Keep, per ``(c, k)``, the better of two candidates (higher similarity, then lower index).

    An index of ``-1`` means "no candidate" and always loses.

    Args:
        sim_a, sim_b (Tensor): ``[C, K]`` similarities.
        idx_a, idx_b (Tensor): ``[C, K]`` sample indices (``-1`` = none).
    """
    missing_a = idx_a < 0
    missing_b = idx_b < 0
    take_b = (sim_b > sim_a) | ((sim_b == sim_a) & (idx_b < idx_a))
    take_b = (take_b | missing_a) & ~missing_b
    return torch.where(take_b, sim_b, sim_a), torch.where(take_b, idx_b, idx_a)


@torch.no_grad()
def update_nearest_samples(
    sims: Tensor,
    labels: Tensor,
    indices: Tensor,
    best_sim: Tensor,
    best_idx: Tensor,
) -> Tuple[Tensor, Tensor]:
    """Fold one batch into the running nearest-sample search (§4.3, DNC).

    Args:
        sims (Tensor): ``[N, K]`` cosine similarity of each sample to the K sub-centroids of its
            OWN class (``-inf`` for invalid sub-centroids).
        labels (Tensor): ``[N]`` class of each sample; samples with label ``< 0`` are skipped.
        indices (Tensor): ``[N]`` dataset index of each sample (``>= 0``).
        best_sim (Tensor): ``[C, K]`` running best similarity.
        best_idx (Tensor): ``[C, K]`` running best index (``-1`` = none yet).

    Returns:
        tuple[Tensor, Tensor]: the updated ``(best_sim, best_idx)``.
    """
    num_classes, num_sub = best_sim.shape
    if sims.dim() != 2 or sims.shape[1] != num_sub:
        raise ValueError(f'sims must be [N, {num_sub}], got {tuple(sims.shape)}')
    if labels.shape[0] != sims.shape[0] or indices.shape[0] != sims.shape[0]:
        raise ValueError('sims, labels and indices must have the same length N')
    if labels.numel() and int(labels.max()) >= num_classes:
        raise ValueError(f'labels must be < num_classes={num_classes}, got {int(labels.max())}')
    keep = labels >= 0
    sims, labels, indices = sims[keep].float(), labels[keep].long(), indices[keep].long()
    if labels.numel() == 0:
        return best_sim, best_idx
    # a sub-centroid that is invalid (-inf) never gets a candidate
    usable = torch.isfinite(sims)
    sims = torch.where(usable, sims, torch.full_like(sims, float('-inf')))
    rows = labels[:, None].expand(-1, num_sub)
    batch_sim = torch.full_like(best_sim, float('-inf')).scatter_reduce(
        0, rows, sims, reduce='amax', include_self=True
    )
    is_best = (sims == batch_sim[labels]) & usable
    big = torch.iinfo(torch.long).max
    cand = torch.where(is_best, indices[:, None].expand(-1, num_sub), torch.full_like(rows, big))
    batch_idx = torch.full_like(best_idx, big).scatter_reduce(
        0, rows, cand, reduce='amin', include_self=True
    )
    batch_idx = torch.where(batch_idx == big, torch.full_like(batch_idx, -1), batch_idx)
    return merge_nearest_samples(best_sim, best_idx, batch_sim, batch_idx)
