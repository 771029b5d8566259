"""Momentum class representatives ``z̄`` of DL2PA (§3.2.3, Eq. 8), identical on every rank."""

from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine import dist
from torch import Tensor

from .training_state import TrainingOnlyStateMixin


def class_scatter_mean(
    x: Tensor, labels: Tensor, num_classes: int, mode: str = 'mean'
) -> Tuple[Tensor, Tensor]:
    """Per-class sums and counts of a batch, ``(C, d)`` and ``(C,)``, handling repeated labels.

    ``mode='mean'`` sums every sample of a class (scatter-add). ``mode='code'`` keeps one sample
    per class, the last one in batch order, which is what the official code's in-place indexed
    write ends up doing (REFERENCE-NOTES §2.5).
    """
    sums = x.new_zeros(num_classes, x.size(1))
    counts = x.new_zeros(num_classes)
    if mode == 'mean':
        sums.index_add_(0, labels, x)
        counts.index_add_(0, labels, torch.ones_like(labels, dtype=x.dtype))
    elif mode == 'code':
        pos = torch.arange(labels.numel(), device=labels.device)
        last = torch.full((num_classes,), -1, dtype=torch.long, device=labels.device)
        last.scatter_reduce_(0, labels, pos, reduce='amax')
        seen = last >= 0
        sums[seen] = x[last[seen]]
        counts[seen] = 1
    else:
        raise ValueError(f"class mean mode must be 'mean' or 'code', got {mode!r}")
    return sums, counts


class ClassMeanEMA(TrainingOnlyStateMixin, nn.Module):
    """Momentum-averaged, l2-normalised class means ``z̄`` (Eq. 8, DL2PA).

    Every call to :meth:`update` takes the l2-normalised features of the batch, forms each
    present class's batch mean (sums and counts all-reduced over ranks, so every rank holds the
    bitwise-identical result), and moves ``z̄_c <- norm(α z̄_c + (1 - α) mean_c)``; classes
    absent from the global batch keep their value. A class seen for the first time takes its
    batch mean.

    Args:
        num_classes: ``C``. dim: ``d``.
        momentum: ``α`` (the paper leaves it open; the official code intends 0.9).
        mode: ``'mean'`` (paper: batch class mean) or ``'code'`` (official code: one sample per
            class per batch and ``α_eff = 0.95`` — pass ``momentum=0.95`` to match it).

    Buffers (persistent, full shape): ``means`` ``(C, d)``, ``initialized`` ``(C,)`` bool.
    """

    TRAINING_ONLY = ('means', 'initialized')  # read by the assignment step, not by inference

    def __init__(self, num_classes: int, dim: int, momentum: float = 0.9, mode: str = 'mean'):
        super().__init__()
        if num_classes < 1 or dim < 1:
            raise ValueError(f'need num_classes >= 1 and dim >= 1, got {num_classes}, {dim}')
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f'class mean momentum must be in [0, 1), got {momentum}')
        if mode not in ('mean', 'code'):
            raise ValueError(f"class mean mode must be 'mean' or 'code', got {mode!r}")
        self.num_classes, self.dim, self.momentum, self.mode = num_classes, dim, momentum, mode
        self.register_buffer('means', torch.zeros(num_classes, dim))
        self.register_buffer('initialized', torch.zeros(num_classes, dtype=torch.bool))

    @torch.no_grad()
    def update(self, x: Tensor, labels: Tensor) -> Tensor:
        """Fold in ``x`` ``(N, d)`` with hard ``labels`` ``(N,)``; returns the counts ``(C,)``."""
        if x.ndim != 2 or x.size(1) != self.dim:
            raise ValueError(f'features must be (N, {self.dim}), got {tuple(x.shape)}')
        labels = labels.reshape(-1).long()
        if labels.numel() != x.size(0):
            raise ValueError(f'{labels.numel()} labels for {x.size(0)} features')
        if labels.numel() and (labels.min() < 0 or labels.max() >= self.num_classes):
            raise ValueError(
                f'labels must be in [0, num_classes={self.num_classes}), got '
                f'[{labels.min().item()}, {labels.max().item()}]'
            )
        with torch.autocast(device_type=x.device.type, enabled=False):
            x = F.normalize(x.detach().float(), dim=1)
            sums, counts = class_scatter_mean(x, labels, self.num_classes, self.mode)
            dist.all_reduce(sums)  # no-op outside distributed runs
            dist.all_reduce(counts)
            seen = counts > 0
            batch_mean = sums[seen] / counts[seen, None]
            old = self.means[seen]
            first = ~self.initialized[seen]
            new = self.momentum * old + (1 - self.momentum) * batch_mean
            new[first] = batch_mean[first]
            self.means[seen] = F.normalize(new, dim=1)
            self.initialized |= seen
        return counts
