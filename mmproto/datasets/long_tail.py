"""Long-tailed subsets with the deterministic exponential profile (Cao et al. 2019; DL2PA §4.3)."""

import copy
from typing import List, Optional, Sequence, Union

import numpy as np
from mmpretrain.registry import DATASETS


def long_tail_counts(n_max: int, num_classes: int, imbalance_factor: float) -> List[int]:
    """``n_c = floor(n_max * imbalance_factor ** (c / (C - 1)))`` for ``c = 0 .. C-1``.

    ``imbalance_factor`` is ``n_min / n_max`` (DL2PA's 0.005 / 0.01 / 0.02).
    """
    if not 0 < imbalance_factor <= 1:
        raise ValueError(f'imbalance_factor must be in (0, 1], got {imbalance_factor}')
    if num_classes < 2:
        raise ValueError(f'num_classes must be >= 2, got {num_classes}')
    return [int(n_max * imbalance_factor ** (c / (num_classes - 1))) for c in range(num_classes)]


def long_tail_indices(
    labels: Sequence[int],
    num_classes: int,
    imbalance_factor: float,
    seed: int = -1,
    n_max: Optional[int] = None,
) -> List[int]:
    """Indices keeping ``long_tail_counts(n_max, C, factor)[c]`` samples of class ``c``.

    ``n_max`` (the head class's size) defaults to the size of the largest class. The first
    samples of each class in dataset order are kept (``seed >= 0``: the first of a seeded
    shuffle). Indices are returned sorted.
    """
    labels = np.asarray(labels)
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f'labels must be in [0, num_classes={num_classes})')
    per_class = np.bincount(labels, minlength=num_classes)
    if n_max is not None and n_max < 1:
        raise ValueError(f'n_max must be >= 1, got {n_max}')
    n_max = int(per_class.max()) if n_max is None else n_max
    targets = long_tail_counts(n_max, num_classes, imbalance_factor)
    keep = []
    rng = np.random.default_rng(seed) if seed >= 0 else None
    for c, n in enumerate(targets):
        idx = np.flatnonzero(labels == c)
        if n > idx.size:
            raise ValueError(
                f'class {c} has {idx.size} samples, fewer than the {n} the profile asks for'
            )
        if rng is not None:
            idx = rng.permutation(idx)
        keep.extend(idx[:n].tolist())
    return sorted(keep)


@DATASETS.register_module()
class LongTailDataset:
    """Wrap any classification dataset and keep an exponentially imbalanced subset of it.

    Example::

        dataset=dict(type='LongTailDataset', imbalance_factor=0.01,
                     dataset=dict(type='CIFAR100', data_root='data/cifar100', split='train'))

    Args:
        dataset: the dataset or its config. imbalance_factor: ``n_min / n_max``.
        seed: ``-1`` keeps the first samples of each class (deterministic, no RNG); ``>= 0``
            keeps the first of a seeded shuffle.
        n_max: samples of the head class (class 0); default: the largest class's size, which
            every class of the wrapped dataset must then have (e.g. a balanced set).
    """

    def __init__(
        self,
        dataset: Union[dict, object],
        imbalance_factor: float,
        seed: int = -1,
        lazy_init: bool = False,
        n_max: Optional[int] = None,
    ):
        self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        self.imbalance_factor, self.seed, self.n_max = imbalance_factor, seed, n_max
        if n_max is not None and n_max < 1:
            raise ValueError(f'LongTailDataset.n_max must be >= 1, got {n_max}')
        self._metainfo = self.dataset.metainfo
        self._fully_initialized = False
        long_tail_counts(2, 2, imbalance_factor)  # validate early
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        return copy.deepcopy(self._metainfo)

    def full_init(self) -> None:
        if self._fully_initialized:
            return
        self.dataset.full_init()
        labels = [int(self.dataset.get_cat_ids(i)[0]) for i in range(len(self.dataset))]
        classes = self._metainfo.get('classes')
        num_classes = len(classes) if classes else max(labels) + 1
        self.indices = long_tail_indices(
            labels, num_classes, self.imbalance_factor, self.seed, self.n_max
        )
        self.dataset.get_subset_(self.indices)
        self._fully_initialized = True

    def class_counts(self) -> List[int]:
        """Samples per class after subsetting."""
        self.full_init()
        labels = [int(self.dataset.get_cat_ids(i)[0]) for i in range(len(self.dataset))]
        return np.bincount(labels, minlength=len(self._metainfo.get('classes') or [])).tolist()

    def get_data_info(self, idx: int) -> dict:
        self.full_init()
        return self.dataset.get_data_info(idx)

    def get_cat_ids(self, idx: int) -> List[int]:
        self.full_init()
        return self.dataset.get_cat_ids(idx)

    def __getitem__(self, idx: int) -> dict:
        self.full_init()
        return self.dataset[idx]

    def __len__(self) -> int:
        self.full_init()
        return len(self.dataset)
