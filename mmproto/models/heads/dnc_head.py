"""DNC image-classification head (Visual Recognition with Deep Nearest Centroids, §3)."""

from typing import List, Optional, Sequence, Tuple, Union

import torch
from mmpretrain.models.heads import ClsHead
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from torch import Tensor

from mmproto.models.utils import ShapeCheckMixin, SubCentroidClassifier

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
        num_subcentroids: K per class (paper: 4), or one K_c per class (Table 23).
        momentum: ``mu`` of Eq. 8 (paper: 0.999).
        sinkhorn_eps: ``epsilon`` of Eq. 6 (paper: 0.05).
        sinkhorn_iters: Sinkhorn-Knopp iterations (paper: 3).
        assign: ``'sinkhorn_argmax'`` (paper) | ``'sinkhorn_gumbel'`` | ``'kmeans'``.
        memory_size: samples in the FIFO memory = memory batches x global batch size
            (paper: 1000 batches on ImageNet, 100 on CIFAR); 0 = current batch only.
        memory_dtype: storage dtype of the memory features (``'float32'``, ``'float16'``).
        memory_mode: ``'fifo'`` (paper, default: the queue is clustered every iteration) |
            ``'flush'`` (released code: accumulate ``memory_size`` samples, cluster once, empty;
            with 1000 global batches the sub-centroids move every 1000 iterations).
        feat_norm: learnable LayerNorm over features before l2 (official code).
        logit_norm: ``'temperature'`` (default: cosines / ``temperature``, the decision stays
            the nearest sub-centroid of Eq. 4) | ``'layernorm'`` (official ``LN_C``, learnable
            per-class affine) | ``'none'``. Fashion-MNIST comparison in ``docs/dnc.md``; use
            ``feat_norm=True, logit_norm='layernorm'`` to load official DNC checkpoints.
        temperature: cosine divisor for ``logit_norm='temperature'``.
        update_only_correct: only correctly classified samples move sub-centroids (Alg. 1).
        loss: loss config (mmpretrain ``MODELS``).
        kmeans_iters: iterations of ``assign='kmeans'``.
        init: ``'random'`` (official) | ``'samples'`` (first samples of each class).
        sync: ``'gather'`` (all ranks cluster the gathered global batch) | ``'reduce'``.
        normalize_mean: use the l2-normalised cluster sum in Eq. 8 (official code).
        topk: top-k accuracy for ``cal_acc``.
        cal_acc: log the training accuracy.
        init_cfg: mmengine init config.
    """

    def __init__(
        self,
        num_classes: int,
        in_channels: int,
        num_subcentroids: Union[int, Sequence[int]] = 4,
        momentum: float = 0.999,
        sinkhorn_eps: float = 0.05,
        sinkhorn_iters: int = 3,
        assign: str = 'sinkhorn_argmax',
        memory_size: int = 0,
        memory_dtype: str = 'float32',
        memory_mode: str = 'fifo',
        feat_norm: bool = True,
        logit_norm: str = 'temperature',
        temperature: float = 0.1,
        update_only_correct: bool = True,
        loss: dict = dict(type='CrossEntropyLoss', loss_weight=1.0),
        kmeans_iters: int = 10,
        init: str = 'random',
        sync: str = 'gather',
        normalize_mean: bool = False,
        topk: Union[int, Tuple[int]] = (1,),
        cal_acc: bool = False,
        init_cfg: Optional[dict] = None,
    ):
        super().__init__(loss=loss, topk=topk, cal_acc=cal_acc, init_cfg=init_cfg)
        if int(num_classes) < 1:
            raise ValueError(f'DNCHead: num_classes must be >= 1, got {num_classes}')
        if int(in_channels) < 1:
            raise ValueError(f'DNCHead: in_channels must be >= 1, got {in_channels}')
        self.num_classes, self.in_channels = int(num_classes), int(in_channels)
        self.classifier = SubCentroidClassifier(
            num_classes,
            in_channels,
            num_subcentroids,
            feat_norm=feat_norm,
            logit_norm=logit_norm,
            temperature=temperature,
            momentum=momentum,
            sinkhorn_eps=sinkhorn_eps,
            sinkhorn_iters=sinkhorn_iters,
            assign=assign,
            kmeans_iters=kmeans_iters,
            update_only_correct=update_only_correct,
            memory_size=memory_size,
            memory_dtype=memory_dtype,
            memory_mode=memory_mode,
            sync=sync,
            init=init,
            normalize_mean=normalize_mean,
        )

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
