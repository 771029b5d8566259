"""DL2PA head: regression onto fixed hyperspherical prototypes with a dynamic assignment."""

from typing import List, Optional, Tuple

import torch.nn.functional as F
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from torch import Tensor

from ..utils.class_mean_ema import ClassMeanEMA
from .fixed_prototype_head import FixedPrototypeHead


@MODELS.register_module()
class HypersphericalHead(FixedPrototypeHead):
    """Hyperspherical classifier with dynamic label-to-prototype assignment (DL2PA, Alg. 1).

    ``forward`` returns ``cos(z_i, w_A(c))`` for every class ``c`` (``(N, C)``); prediction is
    the argmax cosine to the assigned prototypes (§2.7 of the notes). In training, ``loss``
    applies the prototype regression loss (Eq. 6 or a variant, see
    :class:`PrototypeRegressionLoss`) and folds the detached embeddings into the momentum class
    means ``z̄`` (Eq. 8) that ``LabelPrototypeAssignmentHook`` matches to the prototypes (Eq. 9).

    With ``dynamic_assignment=False`` the assignment stays fixed (baselines: ETF, HPN,
    Word2Vec prototypes) and no class means are kept up to date.

    Args:
        num_classes: ``C``. in_channels: ``d``.
        norm_cfg: optional norm before l2 normalisation (long-tail recipe: ``dict(type='BN1d')``).
        dynamic_assignment: whether ``LabelPrototypeAssignmentHook`` must drive ``A``.
        class_mean_momentum: ``α`` of Eq. 8. class_mean_mode: ``'mean'`` | ``'code'``.
        loss: loss config, default ``PrototypeRegressionLoss(mode='paper')``.
    """

    def __init__(
        self,
        num_classes: int,
        in_channels: int,
        norm_cfg: Optional[dict] = None,
        dynamic_assignment: bool = True,
        class_mean_momentum: float = 0.9,
        class_mean_mode: str = 'mean',
        loss: dict = dict(type='PrototypeRegressionLoss', mode='paper'),
        init_cfg: Optional[dict] = None,
        **kwargs,
    ):
        super().__init__(num_classes, in_channels, norm_cfg, loss=loss, init_cfg=init_cfg, **kwargs)
        self.dynamic_assignment = dynamic_assignment
        self.class_means = ClassMeanEMA(
            num_classes, in_channels, momentum=class_mean_momentum, mode=class_mean_mode
        )
        self.assignment_hook_attached = False

    def embed(self, feats: Tuple[Tensor]) -> Tensor:
        """l2-normalised embeddings ``ẑ`` ``(N, d)``."""
        return F.normalize(self.pre_logits(feats), dim=1)

    def forward(self, feats: Tuple[Tensor]) -> Tensor:
        return self.embed(feats) @ self.assigned_prototypes.T

    def loss(self, feats: Tuple[Tensor], data_samples: List[DataSample], **kwargs) -> dict:
        if self.dynamic_assignment and not self.assignment_hook_attached:
            raise RuntimeError(
                'HypersphericalHead(dynamic_assignment=True) is training without '
                "LabelPrototypeAssignmentHook: add dict(type='LabelPrototypeAssignmentHook') to "
                'custom_hooks, or set dynamic_assignment=False for a fixed assignment'
            )
        z = self.embed(feats)
        cos = z @ self.assigned_prototypes.T
        losses = self._get_loss(cos, data_samples, **kwargs)
        if self.dynamic_assignment:
            self.class_means.update(z.detach(), self.hard_labels(data_samples))
        return losses
