"""Scalable neighbourhood component analysis of DeepNCA (Wu et al., ECCV 2018), Table 19 of DNC.

A memory holds one l2-normalised feature per training sample; the loss pulls a sample towards
the memory entries of its class (Eq. of NCA with ``p_ij = softmax_j(v_i . m_j / sigma)``).
"""

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ['memory_momentum_update', 'nca_loss']


def nca_loss(logits: Tensor, labels: Tensor, memory_labels: Tensor, self_index: Tensor) -> Tensor:
    """``-(1/N) sum_i log sum_{j: y_j = y_i, j != i} p_ij`` with ``p_ij = softmax_{j != i}``.

    Args:
        logits (Tensor): ``[N, M]`` similarities to the memory divided by the temperature
            (``v_i . m_j / sigma``).
        labels (Tensor): ``[N]`` labels of the batch.
        memory_labels (Tensor): ``[M]`` labels of the memory entries (``< 0``: an unused slot,
            left out of both sums).
        self_index (Tensor): ``[N]`` memory slot of each sample itself (``< 0``: none); that slot
            is excluded from both sums.

    Returns:
        Tensor: scalar loss. Samples with no other memory entry of their class contribute 0
        but still count in ``N`` (as in the official code, where every slot has a label).
    """
    n, m = logits.shape
    if labels.shape != (n,) or self_index.shape != (n,) or memory_labels.shape != (m,):
        raise ValueError(
            f'nca_loss: logits {tuple(logits.shape)}, labels {tuple(labels.shape)}, '
            f'memory_labels {tuple(memory_labels.shape)}, self_index {tuple(self_index.shape)}'
        )
    logits = logits.float()
    not_self = (memory_labels >= 0)[None, :].expand(n, m).clone()
    has_self = self_index >= 0
    rows = torch.arange(n, device=logits.device)[has_self]
    not_self[rows, self_index[has_self]] = False
    same = (memory_labels[None, :] == labels[:, None]) & not_self
    log_z = torch.logsumexp(logits.masked_fill(~not_self, float('-inf')), dim=1)
    log_p = torch.logsumexp(logits.masked_fill(~same, float('-inf')), dim=1) - log_z
    valid = same.any(dim=1)
    return -torch.where(valid, log_p, torch.zeros_like(log_p)).sum() / max(n, 1)


@torch.no_grad()
def memory_momentum_update(memory: Tensor, index: Tensor, x: Tensor, momentum: float) -> Tensor:
    """DeepNCA memory: ``m_i <- l2(momentum m_i + (1 - momentum) v_i)`` for the batch samples.

    Args:
        memory (Tensor): ``[M, D]``.
        index (Tensor): ``[N]`` memory slots (a repeated slot takes the last write).
        x (Tensor): ``[N, D]`` current l2-normalised features.
        momentum (float): in ``[0, 1]``.

    Returns:
        Tensor: ``memory``, updated in place (call it outside autograd, after the backward).
    """
    if not 0.0 <= momentum <= 1.0:
        raise ValueError(f'momentum must be in [0, 1], got {momentum}')
    rows = F.normalize(momentum * memory[index].float() + (1 - momentum) * x.float(), dim=1)
    memory[index] = rows.to(memory.dtype)
    return memory
