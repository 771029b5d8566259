"""Per-class number of sub-centroids from the class frequency (App. J, Table 23, DNC)."""

from typing import Optional

import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from mmproto.engine.subcentroid_images import find_subcentroid_classifier
from mmproto.ops import subcentroids_from_class_counts


@HOOKS.register_module()
class SubCentroidsByFrequencyHook(Hook):
    """Give each class ``K_c`` in ``[k_min, k_max]`` sub-centroids by its number of training
    images (Table 23, DNC: "K = 1 is assigned to the class having between 732 and 874 training
    samples, ... K = 4 ... between 1159 and 1300").

    Before training, the training-set labels are counted and the bank's ``valid [C, Kmax]``
    mask (a persistent buffer, so checkpoints keep it) is set to ``k < K_c``
    (:func:`mmproto.ops.subcentroids_from_class_counts`: equal-width bins over
    ``[min count, max count]``). Every rank counts the same labels, so the masks agree. The
    head's ``num_subcentroids`` is ``Kmax`` (allocated at full shape); invalid slots score
    ``-inf`` and are never updated. To fix the K of each class by hand instead, give
    ``num_subcentroids`` as a list.

    Args:
        k_min (int): K of the rarest classes (paper: 1).
        k_max (int, optional): K of the most frequent classes (default: the head's
            ``num_subcentroids``; paper: 4).
    """

    priority = 'NORMAL'

    def __init__(self, k_min: int = 1, k_max: Optional[int] = None):
        if k_min < 1 or (k_max is not None and k_max < k_min):
            raise ValueError(
                f'SubCentroidsByFrequencyHook: need 1 <= k_min <= k_max, got {k_min}, {k_max}'
            )
        self.k_min, self.k_max = k_min, k_max

    def before_train(self, runner) -> None:
        _, classifier = find_subcentroid_classifier(runner.model)
        bank = classifier.bank
        k_max = bank.num_subcentroids if self.k_max is None else self.k_max
        if k_max > bank.num_subcentroids:
            raise ValueError(
                f"SubCentroidsByFrequencyHook: k_max={k_max} exceeds the head's "
                f'num_subcentroids={bank.num_subcentroids}'
            )
        labels = torch.as_tensor(runner.train_dataloader.dataset.get_gt_labels()).reshape(-1)
        counts = torch.bincount(labels.long(), minlength=bank.num_classes)
        if counts.numel() != bank.num_classes:
            raise ValueError(
                f'training labels reach class {counts.numel() - 1} but the head has '
                f'num_classes={bank.num_classes}'
            )
        ks = subcentroids_from_class_counts(counts, self.k_min, k_max)
        valid = torch.arange(bank.num_subcentroids)[None, :] < ks[:, None]
        bank.valid.copy_(valid.to(bank.valid.device))
        hist = {int(k): int((ks == k).sum()) for k in ks.unique()}
        runner.logger.info(
            f'SubCentroidsByFrequencyHook: classes per K {hist} (counts {int(counts.min())}..'
            f'{int(counts.max())})'
        )
