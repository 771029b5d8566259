"""DNC Alg. 1 as printed: one Python iteration per class (Sinkhorn Eq. 5-6, argmax, Eq. 8).

The plain reference that ``SubCentroidBank.update`` is compared with: the benchmarks time
the vectorised update against it, the tests check the update's numbers against it (through
``tests/helpers/dnc_alg1_reference.py``, which loads this file by path).
"""

import torch
import torch.nn.functional as F


def sinkhorn_one_class(sims, eps=0.05, iters=3):
    """Alg. 1 ``online_clustering`` for one class (Eq. 5-6, DNC), as corrected in the
    reference notes: ``sims [n, K]`` -> transport plan ``Q [n, K]`` (rows sum to 1)."""
    q = torch.exp(sims / eps).t()  # K x n
    q = q / q.sum()
    k, n = q.shape
    for _ in range(iters):
        q = q / q.sum(1, keepdim=True)
        q = q / k
        q = q / q.sum(0, keepdim=True)
        q = q / n
    return (q * n).t()


def alg1_update(protos, x, labels, correct, momentum=0.999, eps=0.05, iters=3, ks=None):
    """One Alg. 1 step on ``protos [C, K, D]`` from ``x [N, D]`` (any float dtype, used in
    fp32), ``labels [N]`` (no class: ignored) and ``correct [N]``; ``ks``: K_c per class.

    Returns:
        (assignments [N] with -1 for unlabelled rows, updated prototypes, Q [N, K]).
    """
    protos = protos.clone()
    num_classes, kmax, _ = protos.shape
    assign = torch.full((x.shape[0],), -1, dtype=torch.long, device=x.device)
    qs = torch.zeros(x.shape[0], kmax, device=x.device)
    for c in range(num_classes):
        idx = (labels == c).nonzero().squeeze(1)
        if idx.numel() == 0:
            continue
        k = kmax if ks is None else ks[c]
        x_c = x[idx].float()
        q = sinkhorn_one_class(x_c @ protos[c, :k].t(), eps, iters)
        qs[idx, :k] = q
        a = q.argmax(1)
        assign[idx] = a
        m = F.one_hot(a, k).float() * correct[idx, None].float()
        f = m.t() @ x_c
        n = m.sum(0)
        if n.sum() > 0:
            moved = n > 0
            mean = f[moved] / n[moved, None]
            new = momentum * protos[c, :k][moved] + (1 - momentum) * mean
            rows = protos[c, :k].clone()
            rows[moved] = F.normalize(new, dim=-1)
            protos[c, :k] = rows
    return assign, protos, qs
