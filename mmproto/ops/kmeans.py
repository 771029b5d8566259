"""Class-wise spherical k-means (DNC App. H, Table 17: the alternative to Sinkhorn)."""

from typing import Callable, Optional

import torch
import torch.nn.functional as F
from torch import Tensor

from .own_class_similarity import check_labels, expand_valid, own_class_similarity
from .subcentroid_update import subcentroid_statistics


@torch.no_grad()
def classwise_spherical_kmeans(
    x: Tensor,
    labels: Tensor,
    centroids: Tensor,
    iters: int = 10,
    valid: Optional[Tensor] = None,
    all_reduce: Optional[Callable[[Tensor], Tensor]] = None,
) -> Tensor:
    """Hard assignment by spherical k-means within each class, all classes at once.

    Starts from the current sub-centroids (online k-means); each iteration assigns every
    sample to the most similar valid sub-centroid of its class and moves every non-empty
    cluster centre to the l2-normalised mean of its members (empty clusters stay). No
    equipartition constraint, so clusters may collapse (why the paper prefers Eq. 5-6).

    Args:
        x: ``[N, D]`` unit-norm features.
        labels: ``[N]`` class ids (``< 0``: ignored, assignment -1).
        centroids: ``[C, K, D]`` initial centres.
        iters: Lloyd iterations before the final assignment (>= 0).
        valid: optional ``[C, K]`` bool mask of existing sub-centroids.
        all_reduce: optional in-place sum over ranks for the cluster sums and counts.

    Returns:
        ``[N]`` long assignment to the final centres, -1 for ignored rows.
    """
    with torch.autocast(device_type=x.device.type, enabled=False):
        num_classes, num_k, _ = centroids.shape
        check_labels(labels, num_classes)
        allowed = expand_valid(valid, labels, num_k)
        keep = labels >= 0
        centres = centroids.float()

        def assign_to(c: Tensor) -> Tensor:
            sims = own_class_similarity(x, labels, c).masked_fill(~allowed, float('-inf'))
            return torch.where(keep, sims.argmax(1), torch.full_like(labels, -1))

        for _ in range(iters):
            assign = assign_to(centres)
            sums, counts = subcentroid_statistics(x, labels, assign, None, num_classes, num_k)
            if all_reduce is not None:
                sums, counts = all_reduce(sums), all_reduce(counts)
            centres = torch.where(counts[..., None] > 0, F.normalize(sums, dim=-1), centres)
        return assign_to(centres)
