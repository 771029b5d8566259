"""Within- / between-class variability of features (neural collapse NC1, Papyan et al. 2020).

Used to measure whether a head's features collapse within a class, the regime DNC's
sub-category-discovery argument (App. E, Tables 13-14, DNC) is about: a linear head is said to
squeeze the sub-classes of a class together, DNC's sub-centroids to keep them apart.
"""

from typing import Dict, Optional

import torch
from torch import Tensor

__all__ = ['class_scatter', 'neural_collapse_stats']


@torch.no_grad()
def class_scatter(
    h: Tensor, labels: Tensor, num_classes: Optional[int] = None
) -> Dict[str, Tensor]:
    """Class means and the within- / between-class covariances of features, fp64.

    ``mu_c = mean_{i: y_i = c} h_i``, ``mu_G = mean_i h_i``,
    ``Sigma_W = 1/N sum_i (h_i - mu_{y_i})(h_i - mu_{y_i})^T``,
    ``Sigma_B = 1/C' sum_c (mu_c - mu_G')(mu_c - mu_G')^T`` over the ``C'`` classes present,
    with ``mu_G' = mean_c mu_c`` (the balanced global mean of Papyan et al.; equal to ``mu_G``
    for balanced classes).

    Args:
        h: ``[N, D]`` features.
        labels: ``[N]`` class ids ``>= 0``.
        num_classes: C (default ``max(labels) + 1``); absent classes are skipped.

    Returns:
        dict with ``means [C', D]``, ``counts [C']``, ``sigma_w [D, D]``, ``sigma_b [D, D]``.
    """
    if h.ndim != 2 or labels.shape != h.shape[:1]:
        raise ValueError(
            f'features must be [N, D] and labels [N]; got {tuple(h.shape)} and '
            f'{tuple(labels.shape)}'
        )
    if h.shape[0] == 0 or int(labels.min()) < 0:
        raise ValueError('class_scatter needs at least one sample and labels >= 0')
    h, labels = h.double(), labels.long()
    num_classes = int(labels.max()) + 1 if num_classes is None else int(num_classes)
    counts = torch.zeros(num_classes, dtype=torch.float64).index_add_(
        0, labels, torch.ones_like(labels, dtype=torch.float64)
    )
    sums = torch.zeros(num_classes, h.shape[1], dtype=torch.float64).index_add_(0, labels, h)
    present = counts > 0
    means = sums[present] / counts[present, None]
    centred = h - (sums / counts.clamp(min=1)[:, None])[labels]
    sigma_w = centred.t() @ centred / h.shape[0]
    between = means - means.mean(0, keepdim=True)
    sigma_b = between.t() @ between / means.shape[0]
    return dict(means=means, counts=counts[present], sigma_w=sigma_w, sigma_b=sigma_b)


@torch.no_grad()
def neural_collapse_stats(
    h: Tensor, labels: Tensor, num_classes: Optional[int] = None, rtol: float = 1e-10
) -> Dict[str, float]:
    """NC1 and the trace ratio of features ``h [N, D]`` with labels ``[N]``.

    * ``nc1 = tr(Sigma_W Sigma_B^+) / C'`` (Papyan, Han, Donoho, PNAS 2020, Fig. 6): 0 when every
      sample sits on its class mean (within-class collapse);
    * ``tr_ratio = tr(Sigma_W) / tr(Sigma_B)``: the same without whitening by ``Sigma_B``;
    * ``tr_w = tr(Sigma_W)``, ``tr_b = tr(Sigma_B)``.

    ``Sigma_B^+`` is the Moore-Penrose pseudo-inverse (``Sigma_B`` has rank ``<= C' - 1``); its
    eigenvalues below ``rtol * max eigenvalue`` count as zero. Needs two classes or more.
    """
    stats = class_scatter(h, labels, num_classes)
    if stats['means'].shape[0] < 2:
        raise ValueError('neural_collapse_stats needs samples of at least 2 classes')
    sigma_w, sigma_b = stats['sigma_w'], stats['sigma_b']
    evals, evecs = torch.linalg.eigh(sigma_b)
    keep = evals > rtol * evals.max().clamp(min=torch.finfo(torch.float64).tiny)
    inv = (evecs[:, keep] / evals[keep]) @ evecs[:, keep].t()
    c = stats['means'].shape[0]
    return dict(
        nc1=float(torch.trace(sigma_w @ inv) / c),
        tr_ratio=float(torch.trace(sigma_w) / torch.trace(sigma_b)),
        tr_w=float(torch.trace(sigma_w)),
        tr_b=float(torch.trace(sigma_b)),
    )
