"""Nearest class mean classifier of DeepNCM (Guerriero et al., ICLRw 2018), Table 18 of DNC."""

import torch
from torch import Tensor

__all__ = ['decay_mean_update', 'ncm_logits']


def ncm_logits(x: Tensor, means: Tensor) -> Tensor:
    """DeepNCM logits: ``-||x_n - mu_c||^2`` (squared Euclidean distance to each class mean).

    Args:
        x (Tensor): ``[N, D]`` features.
        means (Tensor): ``[C, D]`` class means (constants: no gradient flows into them).

    Returns:
        Tensor: ``[N, C]``.
    """
    means = means.detach().to(x.dtype)
    return -(x.pow(2).sum(1, keepdim=True) - 2 * x @ means.t() + means.pow(2).sum(1)[None, :])


@torch.no_grad()
def decay_mean_update(means: Tensor, sums: Tensor, counts: Tensor, decay: float) -> Tensor:
    """DeepNCM "decay mean": ``mu_c <- d mu_c + (1 - d) xbar_c`` for classes in the batch.

    ``xbar_c = sums_c / counts_c`` is the class mean of the (global) batch; classes absent from
    the batch keep their mean.

    Args:
        means (Tensor): ``[C, D]``.
        sums (Tensor): ``[C, D]`` per-class feature sums of the batch.
        counts (Tensor): ``[C]`` per-class sample counts.
        decay (float): ``d`` in ``[0, 1)``.
    """
    if not 0.0 <= decay < 1.0:
        raise ValueError(f'decay must be in [0, 1), got {decay}')
    present = counts > 0
    batch_mean = sums / counts.clamp(min=1)[:, None]
    new = decay * means + (1 - decay) * batch_mean.to(means.dtype)
    return torch.where(present[:, None], new, means)
