"""Batch augments applied to the first half of a batch only (the official MCC Swin-T recipe)."""

from typing import Optional, Sequence, Tuple, Union

import torch
from mmpretrain.models.utils.batch_augments import RandomBatchAugment
from mmpretrain.registry import BATCH_AUGMENTS
from torch import Tensor

from mmproto.ops import split_batch_point


@BATCH_AUGMENTS.register_module()
class SplitBatchAugment:
    """Mix the first half of the batch, leave the second half untouched.

    The official MCC Swin-T code mixes half of every batch (Mixup / CutMix) and scores it with the
    class means, and trains the multi-center classifier on the unmixed other half; pair this with
    ``MultiCenterClsHead(mixup_mode='split_batch')``. The half boundary is
    :func:`mmproto.ops.split_batch_point` (``N // 2``), the same one the head uses.

    Args:
        augments (dict | list): batch augments, chosen per batch as by mmpretrain's
            ``RandomBatchAugment``.
        probs (float | list, optional): their probabilities (None: uniform).

    Example:
        >>> model = dict(train_cfg=dict(augments=dict(type='SplitBatchAugment', augments=[
        ...     dict(type='Mixup', alpha=0.8), dict(type='CutMix', alpha=1.0)])))
    """

    def __init__(
        self,
        augments: Union[dict, Sequence[dict]],
        probs: Optional[Union[float, Sequence[float]]] = None,
    ):
        self.augment = RandomBatchAugment(augments, probs=probs)

    def __call__(self, inputs: Tensor, scores: Tensor) -> Tuple[Tensor, Tensor]:
        """inputs (N, ...), one-hot scores (N, C) -> the same with ``[:N // 2]`` mixed."""
        h = split_batch_point(inputs.shape[0])
        if h == 0:
            return inputs, scores.float()
        mixed_inputs, mixed_scores = self.augment(inputs[:h], scores[:h])
        return (
            torch.cat([mixed_inputs, inputs[h:]]),
            torch.cat([mixed_scores.float(), scores[h:].float()]),
        )
