"""What turns an mmseg decode head into a DNC decode head (pixel-wise nearest sub-centroids)."""

import copy
from typing import Dict, Optional, Sequence, Tuple

import torch
from mmseg.registry import MODELS
from torch import Tensor

from mmproto.models.utils import ShapeCheckMixin, SubCentroidClassifier
from mmproto.models.utils.subcentroid_bank import BANK_ARGS, split_bank_args
from mmproto.ops import LABEL_DOWNSAMPLE_MODES

from .pixel_labels_mixin import PixelLabelsMixin

# SubCentroidBank defaults that differ for segmentation: DNC §4.2 (K = 10), and pixels per
# rank vary, so the statistics are all-reduced instead of the batch gathered
SEG_BANK_DEFAULTS = dict(num_subcentroids=10, sync='reduce')


def _without_conv_seg_override(init_cfg):
    """``init_cfg`` minus the ``override=dict(name='conv_seg')`` of ``BaseDecodeHead``."""
    if init_cfg is None:
        return None
    cfgs = copy.deepcopy(init_cfg if isinstance(init_cfg, (list, tuple)) else [init_cfg])
    kept = []
    for cfg in cfgs:
        override = cfg.get('override')
        if override is not None:
            overrides = override if isinstance(override, (list, tuple)) else [override]
            overrides = [o for o in overrides if o.get('name') != 'conv_seg']
            if not overrides:
                continue  # an init of conv_seg only
            cfg['override'] = overrides
        kept.append(cfg)
    return kept or None


class DNCDecodeHeadMixin(PixelLabelsMixin, ShapeCheckMixin):
    """Mixin placed before an mmseg decode head (``class DNCFCNHead(DNCDecodeHeadMixin,
    FCNHead)``) to make it the pixel-wise DNC classifier of DNC §4.2.

    The upstream feature path (convs, ASPP, PPM + FPN...) is unchanged; the only architectural
    change is the removal of the 1x1 ``conv_seg`` (and of its ``init_cfg`` override). Each pixel
    of the ``channels``-dim feature map (after the head's dropout) is scored by
    :class:`SubCentroidClassifier`: ``x = l2(LN_D(f))``, class score = max over the K
    sub-centroids of the class (Eq. 4, 7), scaled by ``logit_norm``. The seg loss is mmseg's
    (``loss_decode`` on the logits resized to the label). In :meth:`loss` the ground truth is
    nearest-resized to the feature map; pixels at ``ignore_index`` get label -1, so they never
    take part in the clustering and momentum update (Eq. 5-8) that ``SubCentroidUpdateHook``
    runs after the optimizer step. The bank uses ``sync='reduce'``: under DDP the Sinkhorn
    marginals and per-(class, sub-centroid) sums/counts are all-reduced, so every rank ends with
    the sub-centroids of one process seeing the global batch.

    Args:
        feat_norm: LayerNorm over the D features before l2 (official DNC code).
        logit_norm: as ``DNCHead``: ``'temperature'`` (default: cosines / ``temperature``, the
            decision stays the nearest sub-centroid of Eq. 4) | ``'layernorm'`` (``LN_C`` of the
            official code, learnable per-class affine) | ``'none'``.
        temperature: divisor of the cosines for ``logit_norm='temperature'`` (0.1).
        label_downsample: how the ground truth reaches the feature map for the clustering and
            update: ``'nearest'`` (ProtoSeg / DNC code: one source pixel per cell, the top-left
            one at an integer stride) | ``'majority'`` (the most frequent label the cell
            covers); see :func:`mmproto.ops.downsample_labels`. The loss is unaffected (mmseg's,
            on the logits resized to the label).
        loss_ppc: ProtoSeg pixel-prototype contrast (``PixelPrototypeContrastLoss``), weight 0
            by default (skipped entirely).
        loss_ppd: ProtoSeg pixel-prototype distance (``PixelPrototypeDistanceLoss``), weight 0.
        init_cfg: as the upstream head, without any ``conv_seg`` override.
        **kwargs: the arguments of :class:`mmproto.models.utils.SubCentroidBank` (the
            sub-centroids and their update: ``num_subcentroids``, ``momentum``,
            ``memory_size``, ``init``, ...; documented there), with the segmentation defaults
            :data:`SEG_BANK_DEFAULTS` (DNC §4.2: K = 10; ``sync='reduce'``); every other
            argument goes to the upstream head.

    Example:
        >>> decode_head = dict(type='DNCFCNHead', in_channels=2048, channels=512,
        ...                    num_classes=19, num_subcentroids=10, memory_size=0)
    """

    forwarded_arguments = BANK_ARGS  # the bank's part of ``**kwargs`` (config check)

    def __init__(
        self,
        *args,
        feat_norm: bool = True,
        logit_norm: str = 'temperature',
        temperature: float = 0.1,
        label_downsample: str = 'nearest',
        loss_ppc: Optional[dict] = dict(type='PixelPrototypeContrastLoss', loss_weight=0.0),
        loss_ppd: Optional[dict] = dict(type='PixelPrototypeDistanceLoss', loss_weight=0.0),
        init_cfg=None,
        **kwargs,
    ):
        bank_cfg = {**SEG_BANK_DEFAULTS, **split_bank_args(kwargs)}
        super().__init__(*args, init_cfg=_without_conv_seg_override(init_cfg), **kwargs)
        if self.out_channels != self.num_classes:
            raise ValueError(
                f'{type(self).__name__} needs out_channels == num_classes (softmax over the '
                f'classes); got out_channels={self.out_channels}, num_classes='
                f'{self.num_classes} (binary sigmoid mode is not supported)'
            )
        if label_downsample not in LABEL_DOWNSAMPLE_MODES:
            raise ValueError(
                f'label_downsample must be one of {LABEL_DOWNSAMPLE_MODES}, got '
                f'{label_downsample!r}'
            )
        self.label_downsample = label_downsample
        del self.conv_seg
        self.classifier = SubCentroidClassifier(
            num_classes=self.num_classes,
            in_channels=self.channels,
            feat_norm=feat_norm,
            logit_norm=logit_norm,
            temperature=temperature,
            **bank_cfg,
        )
        self.proto_losses = torch.nn.ModuleList(
            MODELS.build(cfg)
            for cfg in (loss_ppc, loss_ppd)
            if cfg is not None and cfg.get('loss_weight', 0.0) != 0.0
        )
        self._pixel_feats: Optional[Tensor] = None

    # ------------------------------------------------------------------ scoring
    def cls_seg(self, feat: Tensor) -> Tensor:
        """``feat [B, D, H, W]`` -> ``seg_logits [B, C, H, W]`` by nearest sub-centroids."""
        if self.dropout is not None:
            feat = self.dropout(feat)
        b, d, h, w = feat.shape
        f = feat.permute(0, 2, 3, 1).reshape(b * h * w, d)
        logits = self.classifier(f)
        if self.training and len(self.proto_losses):
            self._pixel_feats = f
        # contiguous NCHW: the logits are upsampled to the label size next, and a channels-last
        # view would make every op on the (much larger) upsampled map copy it first
        return logits.view(b, h, w, -1).permute(0, 3, 1, 2).contiguous()

    @torch.no_grad()
    def subcentroid_choice(self, inputs: Tuple[Tensor]) -> Tuple[Tensor, Tensor]:
        """Eq. 4 (DNC) per feature pixel: the predicted class ``c* = argmax_c max_k <x, p^c_k>``
        and the sub-centroid ``k*`` of ``c*`` that decided it, both ``[B, H, W]`` long at the
        feature map's resolution (the explanation pictures of the decision)."""
        feat = self._forward_feature(inputs)
        b, d, h, w = feat.shape
        x = self.classifier.embed(feat.permute(0, 2, 3, 1).reshape(b * h * w, d))
        sims = self.classifier.bank.similarity(x)  # [N, C, K]
        classes = self.classifier.scale(sims.amax(dim=-1)).argmax(dim=1)
        k = sims[torch.arange(sims.shape[0], device=sims.device), classes].argmax(dim=-1)
        return classes.view(b, h, w), k.view(b, h, w)

    # ------------------------------------------------------------------ training
    def loss(self, inputs: Tuple[Tensor], batch_data_samples: Sequence, train_cfg) -> dict:
        """mmseg losses of the nearest-sub-centroid logits; caches the pixel labels for the
        sub-centroid update (run by ``SubCentroidUpdateHook`` after the optimizer step)."""
        seg_logits = self.forward(inputs)
        labels = self.pixel_labels(batch_data_samples, seg_logits.shape[2:]).view(-1)
        self.classifier.set_labels(labels)
        losses = self.loss_by_feat(seg_logits, batch_data_samples)
        losses.update(self.prototype_losses(labels))
        return losses

    def prototype_losses(self, labels: Tensor) -> Dict[str, Tensor]:
        """The optional ProtoSeg PPC / PPD terms (those with a non-zero weight)."""
        feats, self._pixel_feats = self._pixel_feats, None
        if not len(self.proto_losses) or feats is None:
            return {}
        x = self.classifier.embed(feats)
        sims = self.classifier.bank.similarity(x)
        assign = self.classifier.bank.assign_subcentroids(x.detach().float(), labels)
        return {loss.loss_name: loss(sims, labels, assign) for loss in self.proto_losses}
