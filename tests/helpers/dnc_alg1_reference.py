"""Plain per-class reference of DNC Alg. 1 (one Python loop over classes), for tests only."""

import torch
import torch.nn.functional as F


def sinkhorn_one_class(sims, eps=0.05, iters=3):
    """Alg. 1 ``online_clustering`` for one class, as corrected in the reference notes."""
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
    """Returns (assignments [N] with -1 for unlabelled rows, updated prototypes, Q [N, K])."""
    protos = protos.clone()
    num_classes, kmax, _ = protos.shape
    assign = torch.full((x.shape[0],), -1, dtype=torch.long)
    qs = torch.zeros(x.shape[0], kmax)
    for c in range(num_classes):
        idx = (labels == c).nonzero().squeeze(1)
        if idx.numel() == 0:
            continue
        k = kmax if ks is None else ks[c]
        sims = x[idx] @ protos[c, :k].t()
        q = sinkhorn_one_class(sims, eps, iters)
        qs[idx, :k] = q
        a = q.argmax(1)
        assign[idx] = a
        m = F.one_hot(a, k).float() * correct[idx, None].float()
        f = m.t() @ x[idx]
        n = m.sum(0)
        if n.sum() > 0:
            moved = n > 0
            mean = f[moved] / n[moved, None]
            new = momentum * protos[c, :k][moved] + (1 - momentum) * mean
            rows = protos[c, :k].clone()
            rows[moved] = F.normalize(new, dim=-1)
            protos[c, :k] = rows
    return assign, protos, qs
