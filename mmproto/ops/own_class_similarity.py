"""Similarity of each sample to the sub-centroids of its own class (DNC, Alg. 1 ``L[..., c]``)."""

from typing import Optional

import torch
from torch import Tensor


def default_chunk_rows(dim: int) -> int:
    """Rows of ``dim`` fp32 values in a 16 MiB working buffer.

    Small enough for the allocator to reuse heap memory between chunks instead of mapping
    fresh pages each time (large temporaries made the CPU update page-fault bound).
    """
    return max(64, (1 << 22) // max(dim, 1))


def check_labels(labels: Tensor, num_classes: int, name: str = 'labels') -> None:
    """Raise a clear error for class ids ``>= num_classes`` (negative ids mean "ignore")."""
    if labels.numel() and int(labels.max()) >= num_classes:
        raise ValueError(
            f'{name} contains class id {int(labels.max())} >= num_classes ({num_classes}); '
            'use a negative label to ignore a sample'
        )


@torch.no_grad()
def own_class_similarity(
    x: Tensor,
    labels: Tensor,
    centroids: Tensor,
    block_size: int = 64,
    chunk_rows: Optional[int] = None,
) -> Tensor:
    """``S[i, k] = <x_i, p^{y_i}_k>``: the slice ``L[i, :, y_i]`` of ``einsum('nd,ckd->nkc')``.

    Used by the class-wise clustering (Eq. 5-6, DNC) without forming the ``N x C x K`` tensor
    and without a Python loop over classes: samples are sorted by class and packed into blocks
    of ``block_size`` rows that each hold one class, so one batched matmul per chunk multiplies
    every block with its class's ``K x D`` sub-centroids.

    Args:
        x: ``[N, D]`` features (any float dtype, e.g. fp16 memory; computed in fp32).
        labels: ``[N]`` class ids; rows with ``label < 0`` are ignored (similarity 0).
        centroids: ``[C, K, D]`` sub-centroids.
        block_size: largest number of rows per class block (smaller when the classes hold
            fewer samples on average, so padding stays below the number of real rows).
        chunk_rows: padded rows processed at once (bounds the fp32 working memory);
            default :func:`default_chunk_rows`.

    Returns:
        ``[N, K]`` fp32 similarities.
    """
    num_classes, k, _ = centroids.shape
    check_labels(labels, num_classes)
    p = centroids.float()
    out = torch.zeros((x.shape[0], k), dtype=torch.float32, device=x.device)
    keep = (labels >= 0).nonzero().squeeze(1)
    if keep.numel() == 0:
        return out
    y = labels[keep]
    order = torch.argsort(y, stable=True)
    rows, ys = keep[order], y[order]
    counts = torch.bincount(ys, minlength=num_classes)
    # shrink the blocks when classes are small, so padding never exceeds the real rows
    per_class = ys.numel() // max(int((counts > 0).sum()), 1)
    block_size = max(1, min(block_size, 1 << (max(per_class, 1).bit_length() - 1)))
    rank = torch.arange(ys.numel(), device=x.device) - (counts.cumsum(0) - counts)[ys]
    blocks = (counts + block_size - 1) // block_size
    block_id = (blocks.cumsum(0) - blocks)[ys] + rank // block_size  # non-decreasing
    slot = rank % block_size
    block_class = torch.repeat_interleave(torch.arange(num_classes, device=x.device), blocks)
    num_blocks = block_class.numel()
    chunk_rows = chunk_rows or default_chunk_rows(x.shape[1])
    step = max(1, chunk_rows // block_size)
    starts = torch.arange(0, num_blocks + step, step, device=x.device).clamp_(max=num_blocks)
    bounds = torch.searchsorted(block_id, starts).tolist()
    for j, b0 in enumerate(range(0, num_blocks, step)):
        r0, r1 = bounds[j], bounds[j + 1]
        nb = min(step, num_blocks - b0)
        dest = (block_id[r0:r1] - b0) * block_size + slot[r0:r1]
        # padding slots repeat a real row (finite values); their outputs are discarded
        src = rows[r0:r1].new_full((nb * block_size,), int(rows[r0]))
        src[dest] = rows[r0:r1]
        xb = x.index_select(0, src).float().view(nb, block_size, -1)
        with torch.autocast(device_type=x.device.type, enabled=False):
            s = torch.bmm(xb, p[block_class[b0 : b0 + nb]].transpose(1, 2))  # [nb, B, K]
        out[rows[r0:r1]] = s.view(-1, k).index_select(0, dest)
    return out


def expand_valid(valid: Optional[Tensor], labels: Tensor, num_subcentroids: int) -> Tensor:
    """Per-sample mask ``[N, K]`` of the sub-centroids a sample may join (own class, valid).

    ``valid`` is the ``[C, K]`` mask of existing sub-centroids (Table 23, DNC: per-class K);
    rows of samples with ``label < 0`` are all False.
    """
    keep = labels >= 0
    if valid is None:
        return keep[:, None].expand(-1, num_subcentroids)
    return valid[labels.clamp(min=0)] & keep[:, None]
