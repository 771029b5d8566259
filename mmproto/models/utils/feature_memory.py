"""Memory of past features for the class-wise clustering (DNC §3 "memory", App. K): the
paper's FIFO queue, or the released code's accumulate-then-flush buffer."""

from typing import Optional, Tuple, Union

import torch
from torch import Tensor, nn

from .training_state import TrainingOnlyStateMixin


def resolve_dtype(dtype: Union[str, torch.dtype]) -> torch.dtype:
    """``'float16'`` / ``'fp16'`` / ``torch.float16`` ... -> ``torch.dtype`` (floating only)."""
    if isinstance(dtype, str):
        aliases = {'fp32': 'float32', 'fp16': 'float16', 'half': 'float16', 'bf16': 'bfloat16'}
        dtype = getattr(torch, aliases.get(dtype, dtype), None)
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise ValueError(f'memory_dtype must be a floating dtype such as "float16", got {dtype}')
    return dtype


MEMORY_MODES = ('fifo', 'flush')


class FeatureMemory(TrainingOnlyStateMixin, nn.Module):
    """Memory of ``size`` samples (features, labels, correct flags) in one of two modes.

    * ``'fifo'`` (DNC paper §3): a first-in-first-out queue; the clustering runs on it every
      iteration (:meth:`ready` is always True).
    * ``'flush'`` (released DNC code, reference notes §1.5): batches are appended until the
      memory is full; only then is it ready for one clustering, after which :meth:`consumed`
      empties it. With ``size`` = 1000 global batches the sub-centroids move once every 1000
      iterations. A batch that does not fit fills the memory and its remaining samples open
      the next round (nothing is dropped).

    Every piece of state is a persistent buffer allocated at full shape, so a checkpoint
    restores the memory exactly (``features``, ``labels``, ``correct``, ``ptr``; in
    ``'flush'`` mode ``ptr`` is the fill count). Empty slots hold label -1. ``correct`` is the
    "correctly classified" flag of Alg. 1 (DNC) computed when the sample was pushed (its
    logits are not recomputed later).

    The whole memory is training-only state (:mod:`.training_state`): inference does not read
    it, a published checkpoint drops it.

    Args:
        size: number of samples (e.g. memory batches x global batch size); > 0.
        dim: feature dimension D.
        dtype: storage dtype of the features (e.g. ``'float16'`` halves the memory).
        mode: ``'fifo'`` (paper) | ``'flush'`` (released code).
    """

    TRAINING_ONLY = ('features', 'labels', 'correct', 'ptr')

    def __init__(
        self,
        size: int,
        dim: int,
        dtype: Union[str, torch.dtype] = torch.float32,
        mode: str = 'fifo',
    ):
        super().__init__()
        if size <= 0:
            raise ValueError(f'memory_size must be > 0 for a FeatureMemory, got {size}')
        if mode not in MEMORY_MODES:
            raise ValueError(f'memory_mode must be one of {MEMORY_MODES}, got {mode!r}')
        self.size, self.dim, self.mode = int(size), int(dim), mode
        # the tail of a batch that overflowed a 'flush' memory, until consumed() (same call)
        self._overflow: Optional[Tuple[Tensor, Tensor, Tensor]] = None
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
        if self.mode == 'flush':
            return self._append(x, labels, correct)
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

    def _append(self, x: Tensor, labels: Tensor, correct: Tensor) -> None:
        """``'flush'`` mode: write at the fill count; keep what does not fit for the next round."""
        filled = int(self.ptr)
        if filled >= self.size:
            raise RuntimeError(
                "memory_mode='flush': the memory is full but was not clustered and emptied; "
                'the sub-centroid update must run at every iteration '
                '(SubCentroidUpdateHook(interval=1))'
            )
        n = min(x.shape[0], self.size - filled)
        self.features[filled : filled + n] = x[:n].detach().to(self.features.dtype)
        self.labels[filled : filled + n] = labels[:n].to(self.labels)
        self.correct[filled : filled + n] = correct[:n].to(self.correct)
        self.ptr.fill_(filled + n)
        if n < x.shape[0]:
            self._overflow = (x[n:].detach(), labels[n:], correct[n:])

    def ready(self) -> bool:
        """Whether the clustering may run on the memory now (``'flush'``: only when full)."""
        return self.mode == 'fifo' or int(self.ptr) >= self.size

    @torch.no_grad()
    def consumed(self) -> None:
        """After a clustering on the memory: ``'flush'`` empties it (then stores the tail of an
        overflowing batch); ``'fifo'`` keeps it."""
        if self.mode == 'fifo':
            return
        self.labels.fill_(-1)
        self.correct.fill_(False)
        self.ptr.zero_()
        overflow, self._overflow = self._overflow, None
        if overflow is not None:
            self._append(*overflow)

    def num_filled(self) -> int:
        return int((self.labels >= 0).sum())

    def chronological_index(self) -> Tensor:
        """Slot indices of the filled entries from the oldest to the newest."""
        idx = (self.ptr + torch.arange(self.size, device=self.labels.device)) % self.size
        return idx[self.labels[idx] >= 0]

    def extra_repr(self) -> str:
        return f'size={self.size}, dim={self.dim}, dtype={self.features.dtype}, mode={self.mode}'
