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
        Other arguments: as :class:`MultiCenterClsHead` (no bias).
    """

    def __init__(
        self,
        num_classes: int,
        in_channels: int,
        num_subcenters: int = 2,
        scale: float = 64.0,
        margins: Union[float, Sequence[float], str] = 0.5,
        easy_margin: bool = False,
        center_weight: float = 0.5,
        subcenter_weight: Optional[float] = None,
        label_smooth: float = 0.0,
        std_scale: float = 1.0,
        log_var_init: Union[str, float] = 'kaiming_uniform',
        loss: dict = dict(type='CrossEntropyLoss', use_soft=True, loss_weight=1.0),
        loss_std: Optional[dict] = dict(type='StdKLLoss', reduction='mean', loss_weight=1.0),
        mixup_mode: str = 'multicenter',
        noise_seed: Optional[int] = None,
        per_rank_noise: bool = False,
        deploy: bool = False,
        topk: Union[int, Tuple[int]] = (1,),
        cal_acc: bool = False,
        init_cfg: Optional[dict] = None,
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
        self._init_multicenter(
            in_channels=in_channels,
            num_subcenters=num_subcenters,
            center_weight=center_weight,
            subcenter_weight=subcenter_weight,
            label_smooth=label_smooth,
            std_scale=std_scale,
            log_var_init=log_var_init,
            loss_std=loss_std,
            mixup_mode=mixup_mode,
            noise_seed=noise_seed,
            per_rank_noise=per_rank_noise,
            deploy=deploy,
        )

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
