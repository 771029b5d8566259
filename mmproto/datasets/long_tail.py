"""Long-tailed subsets with the deterministic exponential profile (Cao et al. 2019; DL2PA §4.3)."""

import copy
from typing import List, Sequence, Union

import numpy as np
from mmpretrain.registry import DATASETS

N_MAX_RULES = ('largest', 'mean')


def long_tail_counts(n_max: float, num_classes: int, imbalance_factor: float) -> List[int]:
    """``n_c = floor(n_max * imbalance_factor ** (c / (C - 1)))`` for ``c = 0 .. C-1``.

    ``imbalance_factor`` is ``n_min / n_max`` (DL2PA's 0.005 / 0.01 / 0.02); ``n_max`` may be
    fractional (the official code's ``len(train) / C``, floored per class only).
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
    n_max: Union[int, str, None] = None,
    clip: bool = False,
) -> List[int]:
    """Indices keeping ``long_tail_counts(n_max, C, factor)[c]`` samples of class ``c``.

    ``n_max`` (the head class's size): a number, ``'largest'`` / ``None`` (the size of the
    largest class) or ``'mean'`` (``len(labels) / C``, the official DL2PA / LDAM code's
    ``img_max``). A class with fewer samples than its target raises, unless ``clip`` keeps
    all it has (the official code's ``idx[:n]``). The first samples of each class in dataset
    order are kept (``seed >= 0``: the first of a seeded shuffle). Indices are returned sorted.
    """
    labels = np.asarray(labels)
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f'labels must be in [0, num_classes={num_classes})')
    per_class = np.bincount(labels, minlength=num_classes)
    if n_max is None or n_max == 'largest':
        n_max = int(per_class.max())
    elif n_max == 'mean':
        n_max = labels.size / num_classes
    elif isinstance(n_max, str) or n_max < 1:
        raise ValueError(f'n_max must be >= 1 or one of {N_MAX_RULES}, got {n_max!r}')
    targets = long_tail_counts(n_max, num_classes, imbalance_factor)
    keep = []
    rng = np.random.default_rng(seed) if seed >= 0 else None
    for c, n in enumerate(targets):
        idx = np.flatnonzero(labels == c)
        if n > idx.size and not clip:
            raise ValueError(
                f'class {c} has {idx.size} samples, fewer than the {n} the profile asks for '
                f'(n_max={n_max}); LongTailDataset(clip=True) keeps what there is'
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
        dataset: the dataset or its config; a list of them: each is long-tailed on its own
            (its own ``n_max``) and the results are concatenated (the official SVHN-LT: train
            and extra). imbalance_factor: ``n_min / n_max``.
        seed: ``-1`` keeps the first samples of each class (deterministic, no RNG); ``>= 0``
            keeps the first of a seeded shuffle.
        n_max: samples of the head class (class 0): a number, ``'largest'`` (default: the
            largest class's size, which every class must then have, e.g. a balanced set) or
            ``'mean'`` (``len(dataset) / C``, the official DL2PA code's ``img_max``; SVHN).
        clip: keep all samples of a class that has fewer than its target instead of raising
            (the official code's ``idx[:n]``; SVHN's digit 0 has 4,948 < 7,325).
    """

    def __init__(
        self,
        dataset: Union[dict, object],
        imbalance_factor: float,
        seed: int = -1,
        lazy_init: bool = False,
        n_max: Union[int, str, None] = None,
        clip: bool = False,
    ):
        self.imbalance_factor, self.seed, self.n_max = imbalance_factor, seed, n_max
        self.clip = clip
        if isinstance(n_max, str) and n_max not in N_MAX_RULES:
            raise ValueError(f'LongTailDataset.n_max must be a number or one of {N_MAX_RULES}')
        if n_max is not None and not isinstance(n_max, str) and n_max < 1:
            raise ValueError(f'LongTailDataset.n_max must be >= 1, got {n_max}')
        long_tail_counts(2, 2, imbalance_factor)  # validate early
        self.parts: List[LongTailDataset] = []
        if isinstance(dataset, (list, tuple)):  # each part long-tailed on its own, then joined
            if not dataset:
                raise ValueError('LongTailDataset.dataset: an empty list')
            self.parts = [
                LongTailDataset(d, imbalance_factor, seed, lazy_init=True, n_max=n_max, clip=clip)
                for d in dataset
            ]
            self.dataset = None
            self._metainfo = self.parts[0].metainfo
        else:
            self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
            self._metainfo = self.dataset.metainfo
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        return copy.deepcopy(self._metainfo)

    def full_init(self) -> None:
        if self._fully_initialized:
            return
        if self.parts:
            for part in self.parts:
                part.full_init()
            self._ends = np.cumsum([len(part) for part in self.parts]).tolist()
            self._fully_initialized = True
            return
        self.dataset.full_init()
        labels = [int(self.dataset.get_cat_ids(i)[0]) for i in range(len(self.dataset))]
        classes = self._metainfo.get('classes')
        num_classes = len(classes) if classes else max(labels) + 1
        self.indices = long_tail_indices(
            labels, num_classes, self.imbalance_factor, self.seed, self.n_max, self.clip
        )
        self.dataset.get_subset_(self.indices)
        self._fully_initialized = True

    def class_counts(self) -> List[int]:
        """Samples per class after subsetting."""
        self.full_init()
        labels = [int(self.get_cat_ids(i)[0]) for i in range(len(self))]
        return np.bincount(labels, minlength=len(self._metainfo.get('classes') or [])).tolist()

    def _locate(self, idx: int):
        """``(dataset, index in it)`` of sample ``idx``."""
        self.full_init()
        if not self.parts:
            return self.dataset, idx
        if idx < 0:
            idx += len(self)
        if not 0 <= idx < len(self):
            raise IndexError(f'index {idx} out of range for {len(self)} samples')
        i = int(np.searchsorted(self._ends, idx, side='right'))
        return self.parts[i], idx - (self._ends[i - 1] if i else 0)

    def get_data_info(self, idx: int) -> dict:
        dataset, i = self._locate(idx)
        return dataset.get_data_info(i)

    def get_cat_ids(self, idx: int) -> List[int]:
        dataset, i = self._locate(idx)
        return dataset.get_cat_ids(i)

    def __getitem__(self, idx: int) -> dict:
        dataset, i = self._locate(idx)
        return dataset[i]

    def __len__(self) -> int:
        self.full_init()
        return self._ends[-1] if self.parts else len(self.dataset)
