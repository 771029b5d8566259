"""Multi-center classifier with the large-margin softmax (MCC Table 6, "MC + L-Softmax")."""

from typing import Optional, Tuple

from mmpretrain.registry import MODELS
from torch import Tensor

from mmproto.ops import class_block_index, large_margin_psi

from .multi_center_head import MultiCenterClsHead


@MODELS.register_module()
class MultiCenterLSoftmaxClsHead(MultiCenterClsHead):
    """L-Softmax (Liu et al.) on the multi-center logits; a linear classifier at test time.

    For the K + 1 rows ``j`` of the sample's own class (its ``gt_label``) the logit
    ``||w_j|| ||x|| cos(theta_j)`` becomes
    ``(lambda ||w_j|| ||x|| cos(theta_j) + ||w_j|| ||x|| psi(theta_j)) / (1 + lambda)`` with
    ``psi(theta) = (-1)^k cos(m theta) - 2k`` (integer margin ``m``); other rows are unchanged.
    ``lambda`` is annealed per training step as in the L-Softmax release,
    ``max(lambda_min, lambda_base * (1 + lambda_gamma * t) ** -lambda_power)``, with ``t`` the
    head's persistent ``num_steps`` (so it survives resume). No bias (L-Softmax has none).

    Args:
        margin (int): m (2 by default).
        lambda_base, lambda_gamma, lambda_power, lambda_min (float): the annealing schedule
            (MCC does not state one; defaults 1000, 0.12, 1, 0).
        Other arguments: as :class:`MultiCenterClsHead`.
    """

    def __init__(
        self,
        *args,
        margin: int = 2,
        lambda_base: float = 1000.0,
        lambda_gamma: float = 0.12,
        lambda_power: float = 1.0,
        lambda_min: float = 0.0,
        bias: bool = False,
        **kwargs,
    ):
        if bias:
            raise ValueError('MultiCenterLSoftmaxClsHead: bias=True is not supported (L-Softmax '
                             'logits are ||w|| ||x|| psi(theta), without a bias)')  # fmt: skip
        if isinstance(margin, bool) or not isinstance(margin, int) or margin < 1:
            raise ValueError(f'margin (L-Softmax m) must be an int >= 1, got {margin!r}')
        if lambda_base < 0 or lambda_min < 0:
            raise ValueError('lambda_base and lambda_min must be >= 0')
        super().__init__(*args, bias=False, **kwargs)
        self.margin = margin
        self.lambda_base = float(lambda_base)
        self.lambda_gamma = float(lambda_gamma)
        self.lambda_power = float(lambda_power)
        self.lambda_min = float(lambda_min)

    def current_lambda(self) -> float:
        """The annealed ``lambda`` of the current training step."""
        decayed = self.lambda_base * (1.0 + self.lambda_gamma * self._step) ** -self.lambda_power
        return max(self.lambda_min, decayed)

    def class_centers(self) -> Tuple[Tensor, Optional[Tensor]]:
        return self.fc.weight, None

    def group_logits(self, x, weight, bias, labels, group) -> Tensor:
        logits = x @ weight.t()
        rows = class_block_index(labels, group)  # (N, group)
        own = logits.gather(1, rows)
        norms = x.norm(dim=1, keepdim=True) * weight.norm(dim=1)[rows]  # ||x|| ||w_j||
        cosine = own / norms.clamp_min(1e-12)
        lam = self.current_lambda()
        target = (lam * own + norms * large_margin_psi(cosine, self.margin)) / (1.0 + lam)
        return logits.scatter(1, rows, target)
