"""Regression of embeddings onto their assigned fixed prototypes (DL2PA Eq. 6 and variants)."""

from typing import Optional

import torch
import torch.nn as nn
from mmpretrain.registry import MODELS
from torch import Tensor

MODES = ('paper', 'hpn', 'dr')


def batch_frequency_weights(target: Tensor) -> Tensor:
    """DR loss class weights ``e_c^2 = γ / n_c`` from a batch (REFERENCE-NOTES §2.4).

    ``n_c`` is the (soft) number of samples of class ``c`` in the batch, ``γ = N / #classes
    present``; absent classes get weight 1. With Mixup the soft counts equal the hard ones
    (the mixed labels are a permutation of the batch's labels). Returns ``(C,)``.
    """
    counts = target.sum(dim=0)
    present = counts > 1e-6
    gamma = target.size(0) / present.sum().clamp(min=1)
    w = torch.ones_like(counts)
    w[present] = gamma / counts[present]
    return w


@MODELS.register_module()
class PrototypeRegressionLoss(nn.Module):
    """Pull each embedding towards its class's assigned prototype.

    Takes the cosines ``cos[i, c] = cos(z_i, w_A(c))`` of every sample to every class's
    assigned prototype and a hard ``(N,)`` or soft ``(N, C)`` target (Mixup); the per-sample
    loss is ``sum_c s_ic l(cos_ic)``, i.e. ``λ l(y_a) + (1-λ) l(y_b)`` under Mixup.

    Modes:
        ``'paper'``: ``l = ½ (cos - 1)^2`` averaged over the batch (Eq. 6, DL2PA).
        ``'hpn'``: ``l = (1 - cos)^2`` summed over the batch (official balanced code, HPN).
        ``'dr'``: ``l = ½ e_c^2 (cos - 1)^2`` averaged, with batch inverse-frequency weights
        :func:`batch_frequency_weights` (official long-tail code, the ETF paper's DR loss).

    Args:
        mode: one of ``'paper' | 'hpn' | 'dr'``. loss_weight: multiplier.
    """

    def __init__(self, mode: str = 'paper', loss_weight: float = 1.0):
        super().__init__()
        if mode not in MODES:
            raise ValueError(f'PrototypeRegressionLoss mode must be one of {MODES}, got {mode!r}')
        self.mode, self.loss_weight = mode, loss_weight

    def forward(
        self, cos: Tensor, target: Tensor, avg_factor: Optional[float] = None, **kwargs
    ) -> Tensor:
        if cos.ndim != 2:
            raise ValueError(f'cos must be (N, C), got {tuple(cos.shape)}')
        if target.ndim == 1:
            if target.numel() and (target.min() < 0 or target.max() >= cos.size(1)):
                raise ValueError(f'target labels must be in [0, {cos.size(1)})')
            target = torch.zeros_like(cos).scatter_(1, target.long().view(-1, 1), 1.0)
        elif target.shape != cos.shape:
            raise ValueError(f'soft target {tuple(target.shape)} must match cos {tuple(cos.shape)}')
        target = target.to(cos.dtype)
        if self.mode == 'hpn':
            return self.loss_weight * (target * (1 - cos).pow(2)).sum()
        per = 0.5 * (cos - 1).pow(2)
        if self.mode == 'dr':
            per = per * batch_frequency_weights(target.detach())[None]
        n = cos.size(0) if avg_factor is None else avg_factor
        return self.loss_weight * (target * per).sum() / max(n, 1)
