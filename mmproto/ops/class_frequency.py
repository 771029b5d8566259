"""Per-class number of sub-centroids from the class frequency (App. J, Table 23, DNC)."""

from typing import Sequence, Union

import torch
from torch import Tensor

__all__ = ['subcentroids_from_class_counts']


def subcentroids_from_class_counts(
    counts: Union[Sequence[int], Tensor], k_min: int = 1, k_max: int = 4
) -> Tensor:
    """K per class, growing with the number of training images of the class (Table 23, DNC).

    The range ``[min count, max count]`` is split into ``k_max - k_min + 1`` equal-width bins and
    class ``c`` gets ``K_c = k_min + bin(n_c)``. For ImageNet (732..1300 images per class) and
    K in [1, 4] this gives exactly App. J's rule: 732-874 -> 1, 875-1016 -> 2, 1017-1158 -> 3,
    1159-1300 -> 4.

    Args:
        counts: ``[C]`` number of training samples of each class (>= 0).
        k_min, k_max: smallest / largest K (``1 <= k_min <= k_max``).

    Returns:
        LongTensor: ``[C]`` number of sub-centroids of each class.
    """
    if not 1 <= k_min <= k_max:
        raise ValueError(f'need 1 <= k_min <= k_max, got k_min={k_min}, k_max={k_max}')
    counts = torch.as_tensor(counts, dtype=torch.long)
    if counts.dim() != 1 or counts.numel() == 0:
        raise ValueError(
            f'counts must be a non-empty 1-D sequence, got shape {tuple(counts.shape)}'
        )
    if bool((counts < 0).any()):
        raise ValueError('counts must be >= 0')
    levels = k_max - k_min + 1
    lo, hi = int(counts.min()), int(counts.max())
    # bin = floor((n - lo) * levels / (hi - lo + 1)), integer arithmetic (no float edge cases)
    bins = torch.div((counts - lo) * levels, hi - lo + 1, rounding_mode='floor')
    return k_min + bins
