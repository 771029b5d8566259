"""'Fixed + CE' baseline (DL2PA supplement §9, Table 9): softmax CE on fixed prototypes."""

from typing import Optional, Tuple

from mmpretrain.registry import MODELS
from torch import Tensor

from .fixed_prototype_head import FixedPrototypeHead


@MODELS.register_module()
class FixedPrototypeCEHead(FixedPrototypeHead):
    """Linear classifier whose weights are fixed prototypes: ``logits = z W_Aᵀ`` (no bias).

    The PSC prototypes are replaced by the precomputed (uniformity) prototypes and kept fixed;
    trained with the head's ``loss`` (softmax cross-entropy by default). The assignment stays
    the identity unless a hook changes it.
    """

    def __init__(
        self,
        num_classes: int,
        in_channels: int,
        norm_cfg: Optional[dict] = None,
        loss: dict = dict(type='CrossEntropyLoss', loss_weight=1.0),
        init_cfg: Optional[dict] = None,
        **kwargs,
    ):
        super().__init__(num_classes, in_channels, norm_cfg, loss=loss, init_cfg=init_cfg, **kwargs)

    def forward(self, feats: Tuple[Tensor]) -> Tensor:
        return self.pre_logits(feats) @ self.assigned_prototypes.T
