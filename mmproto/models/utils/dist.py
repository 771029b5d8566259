"""Collective helpers on top of ``mmengine.dist`` (no-ops in a single process)."""

import torch
from mmengine import dist
from torch import Tensor


def all_reduce_sum(t: Tensor) -> Tensor:
    """Sum ``t`` over all ranks in place and return it (identity in one process)."""
    if dist.get_world_size() > 1:
        dist.all_reduce(t, op='sum')
    return t


def all_gather_varlen(t: Tensor) -> Tensor:
    """Concatenate ``t`` (``[n_r, ...]``, ``n_r`` may differ per rank) over ranks in rank order.

    Tensors are padded to the largest ``n_r`` for the collective and trimmed afterwards. Does
    not carry gradients. Returns ``t`` itself in one process.
    """
    world = dist.get_world_size()
    if world <= 1:
        return t
    n = torch.tensor([t.shape[0]], device=t.device)
    sizes = [int(s) for s in dist.all_gather(n)]
    pad = max(sizes) - t.shape[0]
    if pad:
        t = torch.cat([t, t.new_zeros((pad,) + tuple(t.shape[1:]))])
    parts = dist.all_gather(t.contiguous())
    return torch.cat([p[:s] for p, s in zip(parts, sizes)])


def broadcast_(t: Tensor, src: int = 0) -> Tensor:
    """Overwrite ``t`` with rank ``src``'s copy (identity in one process)."""
    if dist.get_world_size() > 1:
        dist.broadcast(t, src=src)
    return t
