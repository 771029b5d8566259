"""Per-class pixel and segment queues of ContrastiveSeg (ICCV 2021, §3.3 "memory bank")."""

from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine import dist
from torch import Tensor, nn

from mmproto.ops import step_generator

from .dist import all_gather_varlen
from .training_state import TrainingOnlyStateMixin


class PixelSegmentQueues(TrainingOnlyStateMixin, nn.Module):
    """Two FIFO queues of ``memory_size`` unit embeddings per class (ContrastiveSeg memory).

    After every training iteration, for every (image, class) of the global batch: the
    l2-normalised mean of the class's pixel embeddings enters the class's *segment* queue and
    ``min(n, pixel_update_freq)`` of its pixels, drawn at random, enter its *pixel* queue.
    The contrast set of the loss is both queues of all classes (:meth:`contrast_set`).

    State (persistent buffers, identical on every rank, exact on resume): ``segment_queue`` and
    ``pixel_queue`` ``[C, T, D]``, their write pointers ``segment_ptr`` / ``pixel_ptr``
    ``[C]``, and ``num_updates`` (seeds the pixel picks). Like the released code, the queues
    start as seeded random unit vectors. Under DDP each rank summarises its own images and the
    summaries are all-gathered in rank order before the (identical) writes.

    Args:
        num_classes: C. dim: D, the projection dimension (256).
        memory_size: T per class and queue (code: 5000).
        pixel_update_freq: pixels per (image, class) pushed into the pixel queue (code: 10).
        seed: seed of the initial queues and of the pixel picks.
    """

    # the contrast set of the training loss only
    TRAINING_ONLY = ('segment_queue', 'segment_ptr', 'pixel_queue', 'pixel_ptr', 'num_updates')

    def __init__(
        self,
        num_classes: int,
        dim: int,
        memory_size: int = 5000,
        pixel_update_freq: int = 10,
        seed: int = 0,
    ):
        super().__init__()
        if num_classes < 1 or dim < 1 or memory_size < 1 or pixel_update_freq < 1:
            raise ValueError(
                'PixelSegmentQueues needs num_classes, dim, memory_size, pixel_update_freq >= 1; '
                f'got {num_classes}, {dim}, {memory_size}, {pixel_update_freq}'
            )
        if pixel_update_freq > memory_size:
            raise ValueError(
                f'pixel_update_freq ({pixel_update_freq}) must not exceed memory_size '
                f'({memory_size})'
            )
        self.num_classes, self.dim, self.memory_size = num_classes, dim, memory_size
        self.pixel_update_freq, self.seed = pixel_update_freq, seed
        g = torch.Generator().manual_seed(seed)
        for name in ('segment', 'pixel'):
            q = F.normalize(torch.randn(num_classes, memory_size, dim, generator=g), dim=2)
            self.register_buffer(f'{name}_queue', q)
            self.register_buffer(f'{name}_ptr', torch.zeros(num_classes, dtype=torch.long))
        self.register_buffer('num_updates', torch.zeros((), dtype=torch.long))

    def contrast_set(self) -> Tuple[Tensor, Tensor]:
        """``feats [C * 2T, D]`` (segment then pixel entries of each class) and ``labels``."""
        q = torch.cat([self.segment_queue, self.pixel_queue], dim=1)
        labels = torch.arange(self.num_classes, device=q.device).repeat_interleave(q.shape[1])
        return q.reshape(-1, self.dim), labels

    def summarise(
        self, emb: Tensor, labels: Tensor, generator: Optional[torch.Generator] = None
    ) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
        """This rank's items: per (image, class) in image then class order, the unit mean
        ``[S, D]``, its class ``[S]``, the picked unit pixels ``[P, D]`` and their count per
        item ``[S]``."""
        means, classes, pixels, counts = [], [], [], []
        for i in range(emb.shape[0]):
            for c in torch.unique(labels[i][labels[i] >= 0]).tolist():
                idx = (labels[i] == c).nonzero().squeeze(1)
                means.append(F.normalize(emb[i, idx].float().mean(0), dim=0))
                k = min(idx.numel(), self.pixel_update_freq)
                pick = idx[torch.randperm(idx.numel(), generator=generator)[:k].to(idx.device)]
                pixels.append(F.normalize(emb[i, pick].float(), dim=1))
                classes.append(c)
                counts.append(k)
        dev = emb.device
        if not means:
            z = torch.zeros(0, self.dim, device=dev)
            e = torch.zeros(0, dtype=torch.long, device=dev)
            return z, e, z.clone(), e.clone()
        return (
            torch.stack(means),
            torch.tensor(classes, dtype=torch.long, device=dev),
            torch.cat(pixels),
            torch.tensor(counts, dtype=torch.long, device=dev),
        )

    @torch.no_grad()
    def update(self, emb: Tensor, labels: Tensor) -> None:
        """Push one iteration's batch (a collective under DDP: call it on every rank).

        Args:
            emb: ``[B, N, D]`` unit pixel embeddings (detached here).
            labels: ``[B, N]`` labels at the embedding resolution (``< 0``: ignored).
        """
        if emb.ndim != 3 or emb.shape[2] != self.dim or labels.shape != emb.shape[:2]:
            raise ValueError(
                f'expected emb [B, N, D={self.dim}] and labels [B, N], got '
                f'{tuple(emb.shape)}, {tuple(labels.shape)}'
            )
        if bool((labels >= self.num_classes).any()):
            raise ValueError(f'labels must be < num_classes={self.num_classes}')
        g = step_generator(self.seed, int(self.num_updates), stream=dist.get_rank())
        with torch.autocast(device_type=emb.device.type, enabled=False):
            means, classes, pixels, counts = self.summarise(emb.detach(), labels, g)
            means, classes = all_gather_varlen(means), all_gather_varlen(classes)
            pixels, counts = all_gather_varlen(pixels), all_gather_varlen(counts)
            t = self.memory_size
            starts = torch.cumsum(counts, 0) - counts
            for s, c in enumerate(classes.tolist()):
                ptr = int(self.segment_ptr[c])
                self.segment_queue[c, ptr] = means[s].to(self.segment_queue.dtype)
                self.segment_ptr[c] = (ptr + 1) % t
                k, start = int(counts[s]), int(starts[s])
                ptr = int(self.pixel_ptr[c])
                slots = (ptr + torch.arange(k, device=pixels.device)) % t
                self.pixel_queue[c, slots] = pixels[start : start + k].to(self.pixel_queue.dtype)
                self.pixel_ptr[c] = (ptr + k) % t
        self.num_updates += 1
