"""How a class's samples spread over its sub-centroids, and whether they follow sub-classes.

DNC (§3, App. E) describes each class by K sub-centroids "to capture sub-class patterns"; this
measures it: the winner of a sample is its class's nearest sub-centroid (the one whose cosine
is the class score, Eq. 4), and the winners are compared with the samples' fine labels.
"""

from typing import Dict, Optional

import torch
from torch import Tensor

__all__ = ['subcentroid_usage']


@torch.no_grad()
def subcentroid_usage(
    sims: Tensor, labels: Tensor, fine_labels: Optional[Tensor] = None
) -> Dict[str, float]:
    """Usage statistics of the winning sub-centroids.

    Args:
        sims: ``[N, C, K]`` cosine of every sample to every sub-centroid (``-inf``: invalid).
        labels: ``[N]`` class ids (the classes the sub-centroids belong to, e.g. coarse).
        fine_labels: optional ``[N]`` sub-class ids (e.g. the fine labels of a coarse class).

    Returns:
        dict: ``eff_k``: mean over present classes of ``exp(H(u_c))``, ``u_c`` = fraction of the
        class's samples won by each of its sub-centroids (1 = one sub-centroid wins all, K = even
        use); ``max_share``: mean over classes of ``max_k u_c``; with ``fine_labels``,
        ``fine_purity = 1/N sum_{c,k} max_f n(c, k, f)`` (each winner labelled by its most common
        fine class) and ``fine_majority = 1/N sum_c max_f n(c, f)`` (the purity of one
        sub-centroid per class: the floor).
    """
    if sims.ndim != 3 or labels.shape != sims.shape[:1]:
        raise ValueError(
            f'sims must be [N, C, K] and labels [N]; got {tuple(sims.shape)}, {tuple(labels.shape)}'
        )
    n, num_classes, num_k = sims.shape
    labels = labels.long()
    if n == 0 or int(labels.min()) < 0 or int(labels.max()) >= num_classes:
        raise ValueError(f'labels must be in [0, {num_classes}) and N > 0')
    winner = sims[torch.arange(n), labels].argmax(dim=1)  # [N]
    counts = torch.zeros(num_classes, num_k, dtype=torch.float64)
    counts.index_put_((labels, winner), torch.ones(n, dtype=torch.float64), accumulate=True)
    present = counts.sum(1) > 0
    u = counts[present] / counts[present].sum(1, keepdim=True)
    entropy = -(u * u.clamp(min=1e-300).log()).sum(1)
    out = dict(eff_k=float(entropy.exp().mean()), max_share=float(u.max(1).values.mean()))
    if fine_labels is not None:
        fine = fine_labels.long()
        if fine.shape != labels.shape or int(fine.min()) < 0:
            raise ValueError('fine_labels must be [N] ids >= 0')
        num_f = int(fine.max()) + 1
        table = torch.zeros(num_classes, num_k, num_f, dtype=torch.float64)
        ones = torch.ones(n, dtype=torch.float64)
        table.index_put_((labels, winner, fine), ones, accumulate=True)
        out['fine_purity'] = float(table.amax(2).sum() / n)
        out['fine_majority'] = float(table.sum(1).amax(1).sum() / n)
    return out
