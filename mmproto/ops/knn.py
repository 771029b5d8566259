"""k-nearest-neighbour class scores over a labelled gallery.

Used by the induction-accuracy metric (App. E, DNC: "top-1 nearest neighbor accuracy in the final
feature space") and by the DeepNCA baseline (Table 19, DNC; weighted k-NN of Wu et al., ECCV'18).
"""

from typing import Optional

import torch
from torch import Tensor

__all__ = ['knn_class_scores']


@torch.no_grad()
def knn_class_scores(
    sims: Tensor,
    gallery_labels: Tensor,
    num_classes: int,
    k: int = 1,
    temperature: Optional[float] = None,
) -> Tensor:
    """Votes of the ``k`` most similar gallery items for every class.

    Each of the ``k`` neighbours votes for its label with weight 1 (``temperature=None``; the
    plain k-NN rule, k=1 = nearest neighbour) or ``exp(s / temperature)`` (the weighted rule of
    DeepNCA). Gallery entries with label ``< 0`` or similarity ``-inf`` never vote. Exactly equal
    similarities at the k-th place are resolved by ``torch.topk`` (deterministic per device).

    Args:
        sims (Tensor): ``[N, M]`` similarity of N queries to M gallery items.
        gallery_labels (Tensor): ``[M]`` labels of the gallery.
        num_classes (int): number of classes C.
        k (int): number of neighbours (``1 <= k``; capped at M).
        temperature (float, optional): weight temperature, see above.

    Returns:
        Tensor: ``[N, C]`` class scores; argmax = k-NN prediction. With one vote per neighbour
        the score is ``votes - r / (k + 1)``, r = rank of the class's nearest neighbour among the
        k, so a tie in votes goes to the class whose neighbour is nearer.
    """
    if k < 1:
        raise ValueError(f'k must be >= 1, got {k}')
    if sims.dim() != 2 or gallery_labels.shape != (sims.shape[1],):
        raise ValueError(
            f'sims must be [N, M] and gallery_labels [M]; got {tuple(sims.shape)} and '
            f'{tuple(gallery_labels.shape)}'
        )
    if gallery_labels.numel() and int(gallery_labels.max()) >= num_classes:
        raise ValueError(
            f'gallery_labels must be < num_classes={num_classes}, got {int(gallery_labels.max())}'
        )
    sims = sims.float()
    sims = sims.masked_fill((gallery_labels < 0)[None, :], float('-inf'))
    k = min(k, sims.shape[1])
    top_sim, top_idx = sims.topk(k, dim=1)
    voting = torch.isfinite(top_sim)
    if temperature is None:
        weight = voting.float()
    else:
        weight = (top_sim / temperature).exp().masked_fill(~voting, 0.0)
    top_labels = gallery_labels[top_idx].clamp(min=0)
    scores = sims.new_zeros(sims.shape[0], num_classes).scatter_add_(1, top_labels, weight)
    if temperature is None:  # tie-break towards the nearer neighbour's class
        rank = torch.arange(k, device=sims.device, dtype=torch.float32).expand_as(top_sim)
        rank = rank.masked_fill(~voting, float(k))
        first = torch.full_like(scores, float(k)).scatter_reduce(
            1, top_labels, rank, reduce='amin', include_self=True
        )
        scores = scores - first / (k + 1)
    return scores
