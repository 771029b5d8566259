"""PSC* baseline (DL2PA §4.4.4, Table 8): linear softmax classifier + λ·L_uni on its weights."""

from typing import List, Tuple

from mmpretrain.models.heads import LinearClsHead
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from torch import Tensor

from mmproto.models.utils.shape_check import ShapeCheckMixin
from mmproto.ops.uniformity import uniformity_loss


@MODELS.register_module()
class UniformityLinearClsHead(ShapeCheckMixin, LinearClsHead):
    """``LinearClsHead`` whose loss adds ``uniformity_weight * L_uni(W)`` (Eq. 4, t=``t``).

    ``W`` are the learnable class prototypes (rows of ``fc.weight``). Paper: λ = 1e-2.
    """

    def __init__(self, *args, uniformity_weight: float = 1e-2, t: float = 2.0, **kwargs):
        super().__init__(*args, **kwargs)
        if uniformity_weight < 0:
            raise ValueError(f'uniformity_weight must be >= 0, got {uniformity_weight}')
        self.uniformity_weight, self.t = uniformity_weight, t

    def loss(self, feats: Tuple[Tensor], data_samples: List[DataSample], **kwargs) -> dict:
        losses = super().loss(feats, data_samples, **kwargs)
        losses['loss_uniformity'] = self.uniformity_weight * uniformity_loss(self.fc.weight, self.t)
        return losses
