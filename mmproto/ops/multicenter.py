"""Multi-center classifier operations (MCC, Zhang & Gong): sub-centre sampling, labels, std loss.

Layout convention (Eq. 7): the multi-center classifier has ``C * (K + 1)`` rows ordered class
major, ``[w_1, w_1^(1), ..., w_1^(K), ..., w_C, w_C^(1), ..., w_C^(K)]``. With 0-based class
ids the centre of class ``t`` is row ``t * (K + 1)`` and its ``k``-th sub-centre is row
``t * (K + 1) + k`` (the paper's worked example: ``t = 1, K = 2 -> 3, 4, 5``).
"""

from typing import Optional, Union

import torch
from torch import Tensor

__all__ = [
    'check_label_weights',
    'class_block_index',
    'check_num_subcenters',
    'gaussian_std_kl',
    'multicenter_bias',
    'multicenter_index',
    'multicenter_targets',
    'sample_subcenters',
    'soft_targets',
    'split_batch_point',
    'subcenter_std',
]


def check_num_subcenters(num_subcenters: int) -> int:
    """Validate ``num_subcenters`` (K, the sub-centres drawn per class) and return it."""
    if isinstance(num_subcenters, bool) or not isinstance(num_subcenters, int):
        raise TypeError(
            f'num_subcenters (K) must be an int >= 1, got {type(num_subcenters).__name__} '
            f'{num_subcenters!r}'
        )
    if num_subcenters < 1:
        raise ValueError(f'num_subcenters (K) must be >= 1, got {num_subcenters}')
    return num_subcenters


def multicenter_index(labels: Tensor, num_subcenters: int, k: int = 0) -> Tensor:
    """Index of the centre (``k = 0``) or ``k``-th sub-centre of each label (Sec. 4.2).

    ``t -> t (K + 1) + k``; e.g. ``t = 1, K = 2`` gives 3 (centre), 4 and 5 (sub-centres).
    """
    check_num_subcenters(num_subcenters)
    if not 0 <= k <= num_subcenters:
        raise ValueError(f'k must be in [0, num_subcenters={num_subcenters}], got {k}')
    return labels * (num_subcenters + 1) + k


def class_block_index(labels: Tensor, group: int) -> Tensor:
    """Rows of each label's block in a class-major layout with ``group`` rows per class.

    Returns (N, group) indices ``t * group + j``, ``j < group``; ``group = K + 1`` gives the centre
    and sub-centres of Eq. 7 (``t = 1, K = 2 -> [3, 4, 5]``), ``group = 1`` the plain classifier.
    """
    if group < 1:
        raise ValueError(f'group must be >= 1, got {group}')
    offsets = torch.arange(group, device=labels.device, dtype=labels.dtype)
    return labels.view(-1, 1) * group + offsets


def subcenter_std(log_var: Tensor, std_scale: float = 1.0) -> Tensor:
    """Standard deviation ``sigma_c = std_scale * exp(log sigma_c^2 / 2)`` of Eq. 5, shape of
    ``log_var``. ``std_scale = 1`` is the paper; the official code multiplies by 0.1."""
    std = torch.exp(0.5 * log_var)
    return std if std_scale == 1.0 else std_scale * std


def sample_subcenters(
    weight: Tensor,
    log_var: Tensor,
    num_subcenters: int,
    std_scale: float = 1.0,
    generator: Optional[torch.Generator] = None,
    noise: Optional[Tensor] = None,
) -> Tensor:
    """Eq. 5-7: draw K sub-centres per class by reparameterisation and build ``F_m``.

    ``w_c^(k) = w_c + sigma_c * eps_{c,k}``, ``eps ~ N(0, I)`` (one draw per class and k, shared by
    every sample of the batch); gradients reach ``weight`` and ``log_var``.

    Args:
        weight (Tensor): class centres (means) ``w_c``, shape (C, d).
        log_var (Tensor): log-variances ``log sigma_c^2``, shape (C, d).
        num_subcenters (int): K >= 1.
        std_scale (float): extra factor on sigma (paper 1.0, official code 0.1).
        generator (torch.Generator, optional): source of ``eps``.
        noise (Tensor, optional): ``eps`` itself, shape (C, K, d) (tests / replays).

    Returns:
        Tensor: ``F_m``, shape (C * (K + 1), d), class-major (centre first in each block).
    """
    check_num_subcenters(num_subcenters)
    if weight.dim() != 2 or log_var.shape != weight.shape:
        raise ValueError(
            f'weight (C, d) and log_var must have the same 2-D shape, got weight '
            f'{tuple(weight.shape)} and log_var {tuple(log_var.shape)}'
        )
    num_classes, dim = weight.shape
    if noise is None:
        noise = torch.randn(
            num_classes,
            num_subcenters,
            dim,
            generator=generator,
            device=weight.device,
            dtype=weight.dtype,
        )
    elif noise.shape != (num_classes, num_subcenters, dim):
        raise ValueError(
            f'noise must have shape (C, K, d) = {(num_classes, num_subcenters, dim)}, '
            f'got {tuple(noise.shape)}'
        )
    std = subcenter_std(log_var, std_scale)
    subcenters = torch.addcmul(weight.unsqueeze(1), std.unsqueeze(1), noise)  # (C, K, d), Eq. 6
    return torch.cat([weight.unsqueeze(1), subcenters], dim=1).reshape(-1, dim)


def multicenter_bias(bias: Tensor, num_subcenters: int) -> Tensor:
    """Class bias shared by the centre and the K sub-centres of a class: (C,) -> (C * (K + 1),)."""
    check_num_subcenters(num_subcenters)
    return bias.repeat_interleave(num_subcenters + 1)


def multicenter_targets(
    target: Tensor,
    num_classes: int,
    num_subcenters: int,
    center_weight: float = 0.5,
    subcenter_weight: Optional[float] = None,
    label_smooth: float = 0.0,
) -> Tensor:
    """Eq. 8: multi-center class labels over the ``C * (K + 1)`` classifier rows.

    Hard labels: ``center_weight`` on row ``t (K + 1)``, ``subcenter_weight`` (default
    ``(1 - center_weight) / K``) on rows ``t (K + 1) + k``. Soft labels (Mixup / CutMix scores
    ``s`` over C classes) map linearly: ``center_weight * s_c`` on each centre and
    ``subcenter_weight * s_c`` on each of its sub-centres. ``label_smooth`` adds
    ``label_smooth / (C (K + 1))`` to every row (the official code: ``0.5 / 0.2 / 0.2`` plus 0.1).
    ``center_weight + K * subcenter_weight + label_smooth`` must be 1, so rows sum to 1 whenever
    the input scores do.

    Args:
        target (Tensor): class indices (N,) / (N, 1), or scores (N, C).
        num_classes (int): C.
        num_subcenters (int): K >= 1.

    Returns:
        Tensor: float targets, shape (N, C * (K + 1)).
    """
    check_num_subcenters(num_subcenters)
    center_weight, subcenter_weight = check_label_weights(
        num_subcenters, center_weight, subcenter_weight, label_smooth
    )
    if target.dim() == 2 and target.shape[1] == 1 and not target.is_floating_point():
        target = target.view(-1)
    if target.dim() == 1:
        if target.is_floating_point():
            raise TypeError(f'class-index target (gt_label) must be integer, got {target.dtype}')
        if target.numel() and (int(target.min()) < 0 or int(target.max()) >= num_classes):
            raise ValueError(
                f'gt_label values must be in [0, num_classes={num_classes}), got min '
                f'{int(target.min())} max {int(target.max())}'
            )
        scores = torch.nn.functional.one_hot(target, num_classes).float()
    elif target.dim() == 2:
        if target.shape[1] != num_classes:
            raise ValueError(
                f'soft target (gt_score) has width {target.shape[1]} but num_classes is '
                f'{num_classes}; batch-augment scores must be over the C original classes'
            )
        scores = target.float()
    else:
        raise ValueError(f'target must be (N,) labels or (N, C) scores, got {tuple(target.shape)}')
    per_row = scores.new_tensor([center_weight] + [subcenter_weight] * num_subcenters)
    out = (scores.unsqueeze(-1) * per_row).reshape(scores.shape[0], -1)
    if label_smooth:
        out = out + label_smooth / out.shape[1]
    return out


def check_label_weights(
    num_subcenters: int,
    center_weight: float,
    subcenter_weight: Optional[float] = None,
    label_smooth: float = 0.0,
):
    """Validate the Eq. 8 label weights; returns ``(center_weight, subcenter_weight)``."""
    if subcenter_weight is None:
        subcenter_weight = (1.0 - center_weight - label_smooth) / num_subcenters
    for name, value in (
        ('center_weight', center_weight),
        ('subcenter_weight', subcenter_weight),
        ('label_smooth', label_smooth),
    ):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f'{name} must be in [0, 1], got {value}')
    total = center_weight + num_subcenters * subcenter_weight + label_smooth
    if abs(total - 1.0) > 1e-6:
        raise ValueError(
            f'center_weight + num_subcenters * subcenter_weight + label_smooth must be 1, got '
            f'{center_weight} + {num_subcenters} * {subcenter_weight} + {label_smooth} = {total}'
        )
    return float(center_weight), float(subcenter_weight)


def gaussian_std_kl(log_var: Tensor, reduction: str = 'mean') -> Tensor:
    """Eq. 10: ``-1/2 sum_j (1 + log sigma_j^2 - sigma_j^2)`` per class, in fp32.

    The KL divergence between ``N(mu, sigma^2 I)`` and ``N(mu, I)`` (VAE's KL without the mean
    term). Summed over the d dimensions of each class; ``reduction`` over the C classes:
    ``'mean'`` (official code), ``'sum'`` or ``'none'`` (shape (C,)).

    Args:
        log_var (Tensor): ``log sigma^2``, shape (C, d) (or (d,) for one class).
    """
    if reduction not in ('mean', 'sum', 'none'):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    log_var = log_var.float()
    per_class = -0.5 * (1.0 + log_var - log_var.exp()).sum(dim=-1)
    if reduction == 'mean':
        return per_class.mean()
    if reduction == 'sum':
        return per_class.sum()
    return per_class


def split_batch_point(batch_size: int) -> int:
    """Split-batch Mixup (official Swin code): samples ``[:h]`` are mixed and scored by the class
    means, ``[h:]`` stay unmixed for the multi-center classifier; ``h = N // 2``."""
    return batch_size // 2


def soft_targets(
    target: Union[Tensor, None], labels: Tensor, num_classes: int, label_smooth: float = 0.0
) -> Tensor:
    """Class-space targets (N, C) for the centre-only logits: scores or one-hot of ``labels``,
    smoothed as ``(1 - label_smooth) * s + label_smooth / C`` (the split-batch Mixup half)."""
    if target is None:
        target = torch.nn.functional.one_hot(labels.view(-1), num_classes).float()
    elif target.shape[-1] != num_classes:
        raise ValueError(
            f'soft target (gt_score) has width {target.shape[-1]} but num_classes is {num_classes}'
        )
    target = target.float()
    if label_smooth:
        target = (1.0 - label_smooth) * target + label_smooth / num_classes
    return target
