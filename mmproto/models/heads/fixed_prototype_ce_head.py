"""Softmax CE on fixed prototypes: 'Fixed + CE' (DL2PA supplement §9, Table 9) and the
maximum-separation matrix of Kasarla et al. (NeurIPS 2022)."""

from typing import Optional, Tuple

from mmpretrain.registry import MODELS
from torch import Tensor

from .fixed_prototype_head import FixedPrototypeHead


@MODELS.register_module()
class FixedPrototypeCEHead(FixedPrototypeHead):
    """Linear classifier whose weights are fixed prototypes: ``logits = r z W_Aᵀ`` (no bias).

    The PSC prototypes are replaced by precomputed prototypes and kept fixed; trained with the
    head's ``loss`` (softmax cross-entropy by default). The assignment stays the identity unless
    a hook changes it. With ``PrototypePrecomputeHook(method='max_separation')`` and
    ``in_channels = C-1`` this is Kasarla et al.'s network: the ``C-1`` outputs of the last
    linear layer times the fixed matrix ``r P`` of radius ``r`` (``scale``; their code:
    0.1 for ResNets, 1 for AlexNet), then softmax CE.

    Args:
        scale: ``r``, the norm of the fixed prototype vectors (1 = unit prototypes).
    """

    def __init__(
        self,
        num_classes: int,
        in_channels: int,
        norm_cfg: Optional[dict] = None,
        loss: dict = dict(type='CrossEntropyLoss', loss_weight=1.0),
        scale: float = 1.0,
        init_cfg: Optional[dict] = None,
        **kwargs,
    ):
        super().__init__(num_classes, in_channels, norm_cfg, loss=loss, init_cfg=init_cfg, **kwargs)
        if not scale > 0:
            raise ValueError(
                f'FixedPrototypeCEHead.scale (prototype radius) must be > 0, got {scale}'
            )
        self.scale = float(scale)

    def forward(self, feats: Tuple[Tensor]) -> Tensor:
        return self.scale * (self.pre_logits(feats) @ self.assigned_prototypes.T)
