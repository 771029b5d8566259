"""Ground-truth label maps brought to a feature map's resolution (the pixel labels of Alg. 1)."""

from typing import Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

LABEL_DOWNSAMPLE_MODES = ('nearest', 'majority')


@torch.no_grad()
def downsample_labels(
    labels: Tensor,
    size: Tuple[int, int],
    num_classes: int,
    ignore_index: int = 255,
    mode: str = 'nearest',
) -> Tensor:
    """``labels [B, H0, W0]`` (long) -> ``[B, h, w]``: the label of each feature-map cell.

    ``'nearest'``: ``F.interpolate(mode='nearest')`` (the ProtoSeg / DNC segmentation code): the
    cell takes the label of ONE source pixel, its top-left one for an integer ratio (at output
    stride 8, pixel ``(8i, 8j)`` for the cell centred on ``(8i + 3.5, 8j + 3.5)``).
    ``'majority'``: the cell takes the most frequent label in ``[0, num_classes)`` among the
    source pixels it covers (pixel ``(y, x)`` belongs to cell ``(y h // H0, x w // W0)``; ties:
    the smallest class id), ``ignore_index`` when it covers none.

    Returns:
        ``[B, h, w]`` long, with ``ignore_index`` where no label applies.
    """
    if mode not in LABEL_DOWNSAMPLE_MODES:
        raise ValueError(f'label_downsample must be one of {LABEL_DOWNSAMPLE_MODES}, got {mode!r}')
    if labels.ndim != 3:
        raise ValueError(f'labels must be [B, H, W], got shape {tuple(labels.shape)}')
    h, w = (int(s) for s in size)
    if mode == 'nearest':
        return F.interpolate(labels[:, None].float(), size=(h, w), mode='nearest')[:, 0].long()
    b, h0, w0 = labels.shape
    dev = labels.device
    rows = torch.arange(h0, device=dev) * h // h0  # cell row of every source row
    cols = torch.arange(w0, device=dev) * w // w0
    cell = (torch.arange(b, device=dev)[:, None, None] * h + rows[None, :, None]) * w
    cell = cell + cols[None, None, :]  # [B, H0, W0] flat cell id
    valid = (labels >= 0) & (labels < num_classes)
    flat = cell[valid] * num_classes + labels[valid]
    counts = torch.bincount(flat, minlength=b * h * w * num_classes).view(b, h, w, num_classes)
    out = counts.argmax(dim=-1)
    return torch.where(counts.sum(-1) > 0, out, torch.full_like(out, ignore_index))
