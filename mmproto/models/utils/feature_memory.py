"""FIFO memory of past features for the class-wise clustering (DNC §3 "memory", App. K)."""

from typing import Union

import torch
from torch import Tensor, nn


def resolve_dtype(dtype: Union[str, torch.dtype]) -> torch.dtype:
    """``'float16'`` / ``'fp16'`` / ``torch.float16`` ... -> ``torch.dtype`` (floating only)."""
    if isinstance(dtype, str):
        aliases = {'fp32': 'float32', 'fp16': 'float16', 'half': 'float16', 'bf16': 'bfloat16'}
        dtype = getattr(torch, aliases.get(dtype, dtype), None)
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise ValueError(f'memory_dtype must be a floating dtype such as "float16", got {dtype}')
    return dtype


class FeatureMemory(nn.Module):
    """First-in-first-out queue of ``size`` samples: features, labels, correct flags.

    Every piece of state is a persistent buffer allocated at full shape, so a checkpoint
    restores the queue exactly (``features``, ``labels``, ``correct``, ``ptr``). Empty slots
    hold label -1. ``correct`` is the "correctly classified" flag of Alg. 1 (DNC) computed
    when the sample was pushed (its logits are not recomputed later).

    Args:
        size: number of samples (e.g. memory batches x global batch size); > 0.
        dim: feature dimension D.
        dtype: storage dtype of the features (e.g. ``'float16'`` halves the memory).
    """

    def __init__(self, size: int, dim: int, dtype: Union[str, torch.dtype] = torch.float32):
        super().__init__()
        if size <= 0:
            raise ValueError(f'memory_size must be > 0 for a FeatureMemory, got {size}')
        self.size, self.dim = int(size), int(dim)
        self.register_buffer('features', torch.zeros(size, dim, dtype=resolve_dtype(dtype)))
        self.register_buffer('labels', torch.full((size,), -1, dtype=torch.long))
        self.register_buffer('correct', torch.zeros(size, dtype=torch.bool))
        self.register_buffer('ptr', torch.zeros((), dtype=torch.long))

    @torch.no_grad()
    def push(self, x: Tensor, labels: Tensor, correct: Tensor) -> None:
        """Write ``n`` samples at the pointer (oldest entries are overwritten; wraps around).

        ``x`` is detached and cast to the storage dtype. With ``n > size`` only the last
        ``size`` samples are kept.
        """
        n = x.shape[0]
        if n == 0:
            return
        if x.shape[1] != self.dim:
            raise ValueError(f'features of dim {x.shape[1]} pushed into a memory of dim {self.dim}')
        if n > self.size:
            x, labels, correct = x[-self.size :], labels[-self.size :], correct[-self.size :]
            start = (self.ptr + n - self.size) % self.size
            n = self.size
        else:
            start = self.ptr
        idx = (start + torch.arange(n, device=self.labels.device)) % self.size
        self.features[idx] = x.detach().to(self.features.dtype)
        self.labels[idx] = labels.to(self.labels)
        self.correct[idx] = correct.to(self.correct)
        self.ptr.copy_((start + n) % self.size)

    def num_filled(self) -> int:
        return int((self.labels >= 0).sum())

    def chronological_index(self) -> Tensor:
        """Slot indices of the filled entries from the oldest to the newest."""
        idx = (self.ptr + torch.arange(self.size, device=self.labels.device)) % self.size
        return idx[self.labels[idx] >= 0]

    def extra_repr(self) -> str:
        return f'size={self.size}, dim={self.dim}, dtype={self.features.dtype}'
