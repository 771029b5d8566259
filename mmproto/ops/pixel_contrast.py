"""Pixel-to-pixel contrast of ContrastiveSeg (W. Wang et al., "Exploring Cross-Image Pixel
Contrast for Semantic Segmentation", ICCV 2021): the supervised InfoNCE over pixel embeddings
and the hard anchor sampling of its released code.

Embeddings are l2-normalised rows; labels ``< 0`` are ignored pixels.
"""

from typing import Optional, Tuple

import torch
from torch import Tensor


def pixel_contrast_loss(
    anchors: Tensor,
    anchor_labels: Tensor,
    contrast: Optional[Tensor] = None,
    contrast_labels: Optional[Tensor] = None,
    temperature: float = 0.1,
    base_temperature: float = 0.07,
) -> Tensor:
    """Pixel-wise supervised InfoNCE, Eq. 3 (ContrastiveSeg):

    ``L_i = -1/|P_i| sum_{i+ in P_i} log( e^{i.i+/t} / (e^{i.i+/t} + sum_{i- in N_i} e^{i.i-/t}) )``

    with ``P_i`` / ``N_i`` the contrast embeddings of the anchor's class / of the other classes,
    scaled by ``t / base_temperature`` as the released code does, averaged over the anchors
    that have at least one positive (an anchor without one has no defined term).

    Args:
        anchors: ``[A, D]`` unit anchor embeddings (with gradient). anchor_labels: ``[A]``.
        contrast: ``[M, D]`` unit contrast embeddings (the memory: segment + pixel queues), or
            ``None``: the anchors contrast with each other (an anchor is not its own positive).
        contrast_labels: ``[M]``.
        temperature: ``t`` (code: 0.1 for DeepLabV3 / ResNet-101 on Cityscapes).
        base_temperature: code's loss scale ``t / base_temperature`` (0.07).

    Returns:
        scalar loss (0 with a graph to ``anchors`` when no anchor has a positive).
    """
    if anchors.ndim != 2 or anchor_labels.shape != anchors.shape[:1]:
        raise ValueError(
            f'anchors must be [A, D] with anchor_labels [A], got {tuple(anchors.shape)}, '
            f'{tuple(anchor_labels.shape)}'
        )
    if temperature <= 0 or base_temperature <= 0:
        raise ValueError(f'temperatures must be > 0, got {temperature}, {base_temperature}')
    a = anchors.float()
    self_contrast = contrast is None
    if self_contrast:
        c, c_labels = a, anchor_labels
    else:
        if contrast_labels is None or contrast_labels.shape != contrast.shape[:1]:
            raise ValueError('contrast needs contrast_labels of shape [M]')
        if contrast.shape[1] != a.shape[1]:
            raise ValueError(f'contrast dim {contrast.shape[1]} != anchor dim {a.shape[1]}')
        c, c_labels = contrast.float(), contrast_labels
    if a.shape[0] == 0 or c.shape[0] == 0:
        return anchors.sum() * 0.0
    with torch.autocast(device_type=a.device.type, enabled=False):  # fp32 also under AMP
        logits = a @ c.t() / temperature  # [A, M]
    same = anchor_labels[:, None] == c_labels[None, :]
    neg = ~same
    pos = same
    if self_contrast:
        pos = pos & ~torch.eye(a.shape[0], dtype=torch.bool, device=a.device)
    neg_lse = torch.logsumexp(logits.masked_fill(~neg, float('-inf')), dim=1, keepdim=True)
    log_prob = logits - torch.logaddexp(logits, neg_lse)  # no negatives: log 1 = 0
    n_pos = pos.sum(1)
    has = n_pos > 0
    if not bool(has.any()):
        return anchors.sum() * 0.0
    mean_pos = (log_prob * pos)[has].sum(1) / n_pos[has]
    return -(temperature / base_temperature) * mean_pos.mean()


def hard_anchor_sampling(
    labels: Tensor,
    preds: Tensor,
    max_samples: int = 1024,
    max_views: int = 100,
    generator: Optional[torch.Generator] = None,
) -> Tuple[Tensor, Tensor]:
    """Anchors of the released ContrastiveSeg code: per image, the classes with more than
    ``max_views`` labelled pixels; ``V = min(max_samples // #(image, class), max_views)``
    pixels each, half "hard" (labelled ``c``, predicted otherwise) and half "easy" (predicted
    ``c``), topped up from the other kind when one has fewer than ``V / 2``; random within.

    Args:
        labels: ``[B, N]`` labels at the embedding resolution (``< 0``: ignored).
        preds: ``[B, N]`` predicted classes at the same resolution.
        generator: source of the random picks (seeded by the caller for exact resume).

    Returns:
        ``index [A, V]`` into the flattened ``B * N`` pixels and ``classes [A]``
        (``A = 0`` when no class qualifies or ``V = 0``).
    """
    if labels.ndim != 2 or preds.shape != labels.shape:
        raise ValueError(
            f'labels and preds must both be [B, N], got {tuple(labels.shape)}, '
            f'{tuple(preds.shape)}'
        )
    if max_samples < 1 or max_views < 1:
        raise ValueError(f'max_samples and max_views must be >= 1, got {max_samples}, {max_views}')
    b, n = labels.shape
    device = labels.device
    picked = []
    for i in range(b):
        cls, counts = torch.unique(labels[i][labels[i] >= 0], return_counts=True)
        picked += [(i, int(c)) for c in cls[counts > max_views].tolist()]
    empty = torch.zeros(0, 0, dtype=torch.long, device=device)
    if not picked:
        return empty, torch.zeros(0, dtype=torch.long, device=device)
    v = min(max_samples // len(picked), max_views)
    if v == 0:
        return empty, torch.zeros(0, dtype=torch.long, device=device)
    rows = []
    for i, c in picked:
        own = labels[i] == c
        hard = (own & (preds[i] != c)).nonzero().squeeze(1)
        easy = (own & (preds[i] == c)).nonzero().squeeze(1)
        nh, ne = hard.numel(), easy.numel()
        if nh >= v / 2 and ne >= v / 2:
            kh = v // 2
            ke = v - kh
        elif nh >= v / 2:
            ke = ne
            kh = v - ke
        else:  # ne >= v / 2, since nh + ne > max_views >= v
            kh = nh
            ke = v - kh
        hard = hard[torch.randperm(nh, generator=generator).to(device)[:kh]]
        easy = easy[torch.randperm(ne, generator=generator).to(device)[:ke]]
        rows.append(torch.cat([hard, easy]) + i * n)
    classes = torch.tensor([c for _, c in picked], dtype=torch.long, device=device)
    return torch.stack(rows), classes
