"""Class-wise Sinkhorn-Knopp transport (Eq. 5-6, DNC) batched over all classes."""

from typing import Callable, Optional

import torch
from torch import Tensor

from .own_class_similarity import check_labels, expand_valid

_MIN_EXP = -80.0  # exp(-80) ~ 1.8e-35: keeps every allowed entry > 0 in fp32


@torch.no_grad()
def classwise_sinkhorn(
    sims: Tensor,
    labels: Tensor,
    num_classes: int,
    eps: float = 0.05,
    iters: int = 3,
    valid: Optional[Tensor] = None,
    all_reduce: Optional[Callable[[Tensor], Tensor]] = None,
) -> Tensor:
    """Soft assignment ``Q^c*`` of every sample to its class's sub-centroids (Eq. 6, DNC).

    For each class ``c`` independently, solves the relaxed transport problem of Eq. 5 on the
    ``n_c x K`` similarities of its samples with the fast Sinkhorn-Knopp iteration of Alg. 1
    (as corrected in the reference notes): ``Q = exp(S / eps)``; ``iters`` times
    normalise every sub-centroid row to ``1/K`` of the class mass and every sample column to
    ``1/n_c``; finally scale by ``n_c`` so each sample's row sums to one. The equipartition
    constraint ``Q 1 = n_c/K 1`` holds in the limit. All classes run at once: per-class sums
    are scatter-adds over the label, so there is no loop over classes.

    ``exp`` is taken of ``(S - 1) / eps`` (constant shift, exact for cosine similarities
    ``|S| <= 1``: it cancels in the first normalisation) and clamped at ``exp(-80)``.

    Args:
        sims: ``[N, K]`` cosine similarity of each sample to its own class's sub-centroids.
        labels: ``[N]`` class ids; rows with ``label < 0`` are returned as zeros.
        num_classes: C.
        eps: entropic regularisation ``epsilon`` of Eq. 6 (paper: 0.05).
        iters: Sinkhorn iterations (paper: 3).
        valid: optional ``[C, K]`` bool mask of existing sub-centroids (Table 23: per-class
            K). Class ``c`` spreads its samples evenly over its ``K_c`` valid sub-centroids.
        all_reduce: optional in-place sum over ranks; makes the per-class marginals global,
            so several ranks holding disjoint samples equal one process holding all of them.

    Returns:
        ``[N, K]`` fp32 transport plan, rows sum to 1 (0 for ignored rows / invalid k).
    """
    with torch.autocast(device_type=sims.device.type, enabled=False):
        num_k = sims.shape[1]
        check_labels(labels, num_classes)
        allowed = expand_valid(valid, labels, num_k)
        y = labels.clamp(min=0)
        keep = labels >= 0
        q = torch.exp(((sims.float() - 1.0) / eps).clamp_(min=_MIN_EXP)) * allowed
        n_c = torch.zeros(num_classes, device=sims.device).index_add_(
            0, y[keep], torch.ones_like(y[keep], dtype=torch.float32)
        )
        k_c = allowed.new_ones((num_classes, num_k)) if valid is None else valid
        k_c = k_c.float().sum(1)
        if all_reduce is not None:
            n_c = all_reduce(n_c)
        q = sinkhorn_iterations(q, y, n_c, k_c, iters, all_reduce)
        return q * keep[:, None]


@torch.no_grad()
def sinkhorn_iterations(
    q: Tensor,
    y: Tensor,
    n_c: Tensor,
    k_c: Tensor,
    iters: int,
    all_reduce: Optional[Callable[[Tensor], Tensor]] = None,
) -> Tensor:
    """The Sinkhorn-Knopp iterations of Eq. 6 (DNC) on ``q = exp(S / eps)``, all classes at once.

    Args:
        q: ``[N, K]`` kernel, zero on the entries a sample may not take (ignored rows all 0).
        y: ``[N]`` class ids in ``[0, C)`` (ignored rows: any class, their ``q`` is 0).
        n_c: ``[C]`` (global) samples per class; k_c: ``[C]`` valid sub-centroids per class.
        iters: iterations; all_reduce: optional sum over ranks of the row marginals.

    Returns:
        ``[N, K]`` plan scaled so every sample's row sums to one.
    """
    tiny = torch.finfo(torch.float32).tiny
    n_y = n_c[y, None]
    n_min1 = n_y.clamp(min=1)
    for _ in range(iters):
        # row step: each sub-centroid of class c receives 1/K_c of the class mass
        rows = torch.zeros((n_c.numel(), q.shape[1]), device=q.device).index_add_(0, y, q)
        if all_reduce is not None:
            rows = all_reduce(rows)
        q = q / (rows.clamp_(min=tiny) * k_c[:, None])[y]  # [C, K] first: one gather of N
        # column step: each sample carries 1/n_c of the class mass
        q = q / (q.sum(1, keepdim=True).clamp_(min=tiny) * n_min1)
    return q * n_y


@torch.no_grad()
def gumbel_noise(shape, device, generator: Optional[torch.Generator] = None) -> Tensor:
    """Standard Gumbel noise ``-log(Exp(1))`` of ``shape`` (fp32), as drawn by
    :func:`assign_from_transport`; drawing it up front lets a chunked caller use it."""
    return -torch.empty(shape, device=device).exponential_(generator=generator).log()


@torch.no_grad()
def assign_from_transport(
    q: Tensor,
    mode: str = 'argmax',
    generator: Optional[torch.Generator] = None,
    mask: Optional[Tensor] = None,
    gumbel: Optional[Tensor] = None,
) -> Tensor:
    """Hard assignment from a transport plan (Alg. 1, DNC: ``one_hot(argmax Q)``).

    Args:
        q: ``[N, K]`` transport plan from :func:`classwise_sinkhorn`.
        mode: ``'argmax'`` (paper) or ``'gumbel'`` (ProtoSeg: a hard Gumbel-softmax sample
            with ``q`` as logits, ``argmax(q + g)``; a hard sample does not depend on the
            softmax temperature, so there is none).
        generator: random generator for the Gumbel noise.
        mask: optional ``[N, K]`` bool of the allowed entries; default: rows that are not all
            zero are fully allowed.
        gumbel: optional ``[N, K]`` noise of :func:`gumbel_noise` (else drawn here).

    Returns:
        ``[N]`` long sub-centroid index, -1 for rows without an allowed entry.
    """
    with torch.autocast(device_type=q.device.type, enabled=False):
        q = q.float()
        if mask is None:
            mask = (q > 0).any(1, keepdim=True).expand_as(q)
        if mode == 'argmax':
            logits = q
        elif mode == 'gumbel':
            if gumbel is None:
                gumbel = gumbel_noise(q.shape, q.device, generator)
            logits = q + gumbel
        else:
            raise ValueError(f"assign mode must be 'argmax' or 'gumbel', got {mode!r}")
        index = logits.masked_fill(~mask, float('-inf')).argmax(1)
        return torch.where(mask.any(1), index, torch.full_like(index, -1))
