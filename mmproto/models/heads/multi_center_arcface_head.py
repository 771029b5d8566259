"""Multi-center classifier with an additive angular margin (MCC Table 6, "MC + L-AM")."""

from typing import Optional, Sequence, Tuple, Union

import torch.nn.functional as F
from mmengine.runner import autocast
from mmpretrain.models.heads import ArcFaceClsHead
from mmpretrain.registry import MODELS
from torch import Tensor

from mmproto.ops import additive_angular_margin, class_block_index

from .multi_center_head import MultiCenterMixin


@MODELS.register_module()
class MultiCenterArcFaceClsHead(MultiCenterMixin, ArcFaceClsHead):
    """ArcFace (L-AM) on the multi-center logits.

    Training: cosines between the normalised feature and every normalised row of ``F_m`` (Eq. 7,
    the class means ``norm_product.weight`` plus K sampled sub-centres per class); the angular
    margin ``m`` of the sample's class (``margins``, per class) is added to all K + 1 rows of its
    own class (with Mixup/CutMix: of its ``gt_label`` class, as mmpretrain's ``ArcFaceClsHead``
    does), logits are scaled by ``scale`` and trained against the multi-center labels.
    Test: exactly mmpretrain's ``ArcFaceClsHead`` (``scale * cos(x, w_c)``) with the same weights;
    ``SetAdaptiveMarginsHook`` works unchanged.

    Args:
        num_classes, in_channels, scale, margins, easy_margin: as ``ArcFaceClsHead`` (its
            sub-center ArcFace option is not used: ``num_subcenters`` is the MCC K here).
        loss, topk, cal_acc, init_cfg: as :class:`MultiCenterClsHead` (no bias).
        **multicenter: the multi-center arguments of :class:`MultiCenterMixin`
            (``num_subcenters``, ``center_weight``, ``loss_std``, ...).
    """

    def __init__(
        self,
        num_classes: int,
        in_channels: int,
        scale: float = 64.0,
        margins: Union[float, Sequence[float], str] = 0.5,
        easy_margin: bool = False,
        loss: dict = dict(type='CrossEntropyLoss', use_soft=True, loss_weight=1.0),
        topk: Union[int, Tuple[int]] = (1,),
        cal_acc: bool = False,
        init_cfg: Optional[dict] = None,
        **multicenter,
    ):
        if isinstance(margins, int) and not isinstance(margins, bool):
            margins = float(margins)
        ArcFaceClsHead.__init__(
            self,
            num_classes=num_classes,
            in_channels=in_channels,
            num_subcenters=1,
            scale=scale,
            margins=margins,
            easy_margin=easy_margin,
            loss=loss,
            init_cfg=init_cfg,
        )
        self.topk = topk
        self.cal_acc = cal_acc
        self._init_multicenter(in_channels, **multicenter)

    def class_centers(self) -> Tuple[Tensor, Optional[Tensor]]:
        return self.norm_product.weight, None

    def group_logits(self, x, weight, bias, labels, group) -> Tensor:
        """``s * cos`` with ``cos(theta + m_y)`` on the rows of the sample's own class block."""
        with autocast(enabled=False):
            cosine = F.linear(F.normalize(x.float()), F.normalize(weight.float()))
            rows = class_block_index(labels, group)  # (N, group)
            margins = self.margins[labels].unsqueeze(1)  # (N, 1)
            phi = additive_angular_margin(cosine.gather(1, rows), margins, self.easy_margin)
            return self.scale * cosine.scatter(1, rows, phi)

    def forward(self, feats: Tuple[Tensor], target: Optional[Tensor] = None) -> Tensor:
        """Test-time logits ``scale * cos(x, w_c)`` (``ArcFaceClsHead`` without a target)."""
        if target is not None:
            raise ValueError(
                'MultiCenterArcFaceClsHead.forward takes no target: training goes through loss()'
            )
        return ArcFaceClsHead.forward(self, feats)


__all__ = ['MultiCenterArcFaceClsHead']
