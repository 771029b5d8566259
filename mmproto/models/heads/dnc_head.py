"""DNC image-classification head (Visual Recognition with Deep Nearest Centroids, §3)."""

from typing import List, Optional, Tuple, Union

import torch
from mmpretrain.models.heads import ClsHead
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from torch import Tensor

from mmproto.models.utils import ShapeCheckMixin, SubCentroidClassifier
from mmproto.models.utils.subcentroid_bank import BANK_ARGS

# official DNC checkpoint keys (relative to the head) -> keys of this head
OFFICIAL_KEYS = {
    'prototypes': 'classifier.bank.prototypes',
    'feat_norm.weight': 'classifier.feat_norm.weight',
    'feat_norm.bias': 'classifier.feat_norm.bias',
    'mask_norm.weight': 'classifier.mask_norm.weight',
    'mask_norm.bias': 'classifier.mask_norm.bias',
}


@MODELS.register_module()
class DNCHead(ShapeCheckMixin, ClsHead):
    """Deep Nearest Centroids head: nearest sub-centroid classification (Eq. 4, 7, DNC).

    Replaces the linear layer of any mmpretrain classifier: the pooled feature is embedded
    (optional ``LN_D``, l2), compared by cosine with the ``K`` sub-centroids of every class, the
    class score is the best of its ``K`` cosines, scaled to logits (``logit_norm``) and trained
    with cross-entropy (Eq. 7). The sub-centroids are not parameters: they are estimated by
    class-wise Sinkhorn clustering and the momentum update of Eq. 8 (Alg. 1), run by
    ``SubCentroidUpdateHook`` after every iteration (add
    ``custom_hooks = [dict(type='SubCentroidUpdateHook')]``). ``predict`` returns the softmax
    of the logits, i.e. the nearest sub-centroid decides.

    Batch augments (Mixup / CutMix, ``gt_score``): the loss uses the soft target, the
    clustering uses the hard label ``argmax(gt_score)``.

    State-dict keys (official DNC checkpoints load through the mapping on the left):
    ``prototypes -> classifier.bank.prototypes``, ``feat_norm.* -> classifier.feat_norm.*``,
    ``mask_norm.* -> classifier.mask_norm.*``; the official unused ``convs.*`` are dropped.
    Also saved: ``classifier.bank.{valid, initialized, num_updates}`` and
    ``classifier.bank.memory.{features, labels, correct, ptr}``.

    Args:
        num_classes: C.
        in_channels: D of the pooled feature.
        feat_norm: learnable LayerNorm over features before l2 (official code).
        logit_norm: ``'temperature'`` (default: cosines / ``temperature``, the decision stays
            the nearest sub-centroid of Eq. 4) | ``'layernorm'`` (official ``LN_C``, learnable
            per-class affine) | ``'none'``. Fashion-MNIST comparison in ``docs/dnc.md``; use
            ``feat_norm=True, logit_norm='layernorm'`` to load official DNC checkpoints.
        temperature: cosine divisor for ``logit_norm='temperature'``.
        loss: loss config (mmpretrain ``MODELS``).
        topk: top-k accuracy for ``cal_acc``.
        cal_acc: log the training accuracy.
        init_cfg: mmengine init config.
        **bank_cfg: the sub-centroids and their update (Alg. 1): ``num_subcentroids`` (paper:
            4), ``momentum``, ``sinkhorn_eps``, ``sinkhorn_iters``, ``assign``,
            ``memory_size``, ``memory_mode``, ``sync`` (default ``'gather'``), ``init``, ...:
            the arguments of :class:`mmproto.models.utils.SubCentroidBank`, documented there
            with the paper's defaults.

    Example:
        >>> head = dict(type='DNCHead', num_classes=10, in_channels=512,
        ...             num_subcentroids=4, memory_size=100 * 128)
    """

    forwarded_arguments = BANK_ARGS  # ``**bank_cfg`` (the config check's argument list)

    def __init__(
        self,
        num_classes: int,
        in_channels: int,
        feat_norm: bool = True,
        logit_norm: str = 'temperature',
        temperature: float = 0.1,
        loss: dict = dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk: Union[int, Tuple[int]] = (1,),
        cal_acc: bool = False,
        init_cfg: Optional[dict] = None,
        **bank_cfg,
    ):
        super().__init__(loss=loss, topk=topk, cal_acc=cal_acc, init_cfg=init_cfg)
        self.classifier = SubCentroidClassifier(
            num_classes,
            in_channels,
            feat_norm=feat_norm,
            logit_norm=logit_norm,
            temperature=temperature,
            **bank_cfg,
        )
        self.num_classes, self.in_channels = int(num_classes), int(in_channels)

    @property
    def prototypes(self) -> Tensor:
        """``[C, K, D]`` unit-norm sub-centroids."""
        return self.classifier.prototypes

    def pre_logits(self, feats: Tuple[Tensor]) -> Tensor:
        """The last stage's pooled feature ``[N, in_channels]``."""
        f = feats[-1]
        if f.ndim != 2 or f.shape[1] != self.in_channels:
            raise ValueError(
                f'DNCHead expects pooled features [N, in_channels={self.in_channels}], got '
                f'{tuple(f.shape)}; check `in_channels` and that a neck such as '
                'GlobalAveragePooling precedes the head'
            )
        return f

    def forward(self, feats: Tuple[Tensor]) -> Tensor:
        """Logits ``[N, C]`` (Eq. 7 before the softmax)."""
        return self.classifier(self.pre_logits(feats))

    def loss(self, feats: Tuple[Tensor], data_samples: List[DataSample], **kwargs) -> dict:
        """Cross-entropy of Eq. 7; caches embeddings and hard labels for the hook."""
        labels = self.hard_labels(data_samples)
        logits = self.classifier(self.pre_logits(feats), labels.to(feats[-1].device))
        return self._get_loss(logits, data_samples, **kwargs)

    def hard_labels(self, data_samples: List[DataSample]) -> Tensor:
        """``gt_label`` (or ``argmax(gt_score)`` under batch augments), validated."""
        if 'gt_score' in data_samples[0]:
            scores = torch.stack([s.gt_score for s in data_samples])
            if scores.shape[-1] != self.num_classes:
                raise ValueError(
                    f'gt_score has {scores.shape[-1]} classes, DNCHead num_classes='
                    f'{self.num_classes}'
                )
            return scores.argmax(dim=-1)
        labels = torch.cat([s.gt_label for s in data_samples]).long()
        if labels.numel() != len(data_samples):
            raise ValueError('DNCHead needs exactly one gt_label per sample (single-label)')
        bad = (labels < 0) | (labels >= self.num_classes)
        if bool(bad.any()):
            raise ValueError(
                f'gt_label {int(labels[bad][0])} is outside [0, num_classes={self.num_classes})'
            )
        return labels

    def _load_from_state_dict(
        self, state_dict, prefix, local_metadata, strict, missing, unexpected, errors
    ) -> None:
        """Accept official DNC checkpoints (``head.prototypes``, ``head.feat_norm.*``...)."""
        for old, new in OFFICIAL_KEYS.items():
            if prefix + old in state_dict and prefix + new not in state_dict:
                state_dict[prefix + new] = state_dict.pop(prefix + old)
        for key in [k for k in state_dict if k.startswith(prefix + 'convs.')]:
            state_dict.pop(key)
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing, unexpected, errors
        )
