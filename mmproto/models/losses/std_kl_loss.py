"""The standard-deviation loss of the multi-center classifier (MCC, Eq. 10)."""

import torch.nn as nn
from mmpretrain.registry import MODELS
from torch import Tensor

from mmproto.ops import gaussian_std_kl


@MODELS.register_module()
class StdKLLoss(nn.Module):
    """``L_sigma2`` of Eq. 10: KL of each class's ``N(w_c, sigma_c^2 I)`` to ``N(w_c, I)``.

    Summed over the feature dimensions; ``reduction`` over classes (``'mean'`` as in the official
    code, ``'sum'``, ``'none'``). Eq. 11 adds it with weight 1.

    Args:
        reduction (str): ``'mean'``, ``'sum'`` or ``'none'``. Defaults to ``'mean'``.
        loss_weight (float): Defaults to 1.0.
    """

    def __init__(self, reduction: str = 'mean', loss_weight: float = 1.0):
        super().__init__()
        if reduction not in ('mean', 'sum', 'none'):
            raise ValueError(
                f"StdKLLoss.reduction must be 'mean', 'sum' or 'none', got {reduction!r}"
            )
        self.reduction = reduction
        self.loss_weight = loss_weight

    def forward(self, log_var: Tensor) -> Tensor:
        """log_var: ``log sigma^2``, shape (C, d). Returns a scalar (or (C,) for ``'none'``)."""
        return self.loss_weight * gaussian_std_kl(log_var, self.reduction)
