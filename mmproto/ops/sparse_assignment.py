"""Exact linear assignment by a sparse candidate solve certified optimal by LP duality.

Used for the label-to-prototype assignment of DL2PA (§3.2.3, Eq. 9) at many classes. The
dense ``C x C`` problem is solved on a sparse subgraph (each row's ``k`` cheapest columns,
plus a known perfect matching so that one exists) with scipy's
``min_weight_full_bipartite_matching``. Dual potentials ``u, v`` of that sparse optimum are
computed as shortest-path distances (complementary slackness), and the matching is
*certified* optimal for the dense problem when every reduced cost
``c_ij - u_i - v_j`` is ``>= -tol`` (weak duality: every perfect matching then costs at
least ``sum u + sum v - C tol`` = the found cost ``- C tol``). Violating pairs are added to
the subgraph and the solve repeats; when no certificate is reached within ``max_rounds``
the caller falls back to a dense solver. No OpenMMLab imports.
"""

from typing import Optional, Tuple

import numpy as np
import torch


def candidate_columns(cost: np.ndarray, k: int, row_block: int = 1024) -> np.ndarray:
    """``(C, k)`` int64: the ``k`` cheapest columns of each row (any order among them)."""
    k = min(k, cost.shape[1])
    t = torch.from_numpy(cost)  # shares memory; torch.topk is much faster than argpartition
    out = np.empty((cost.shape[0], k), dtype=np.int64)
    for s in range(0, cost.shape[0], row_block):
        out[s : s + row_block] = torch.topk(t[s : s + row_block], k, dim=1, largest=False)[
            1
        ].numpy()
    return out


def sparse_matching(cost: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> Optional[np.ndarray]:
    """Min-cost perfect matching restricted to the pairs ``(rows[e], cols[e])``.

    Returns ``(C,)`` int64 ``col`` of each row, or None when the pairs hold no perfect
    matching.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    n = cost.shape[0]
    w = cost[rows, cols]
    # scipy treats zero weights as missing edges: shift to >= 1 (a constant added to every
    # edge adds n to every perfect matching, so the optimum is unchanged)
    graph = csr_matrix((w - w.min() + 1.0, (rows, cols)), shape=(n, n))  # pairs are unique
    try:
        r, c = min_weight_full_bipartite_matching(graph)
    except ValueError:
        return None
    out = np.empty(n, dtype=np.int64)
    out[r] = c
    return out


def matching_duals(
    cost: np.ndarray, rows: np.ndarray, cols: np.ndarray, match: np.ndarray
) -> Optional[Tuple[np.ndarray, np.ndarray]]:
    """Dual potentials ``u [C], v [C]`` of an optimal matching on the sparse pairs.

    Complementary slackness: ``u_i = c_{i, s(i)} - v_{s(i)}`` on matched pairs and
    ``u_i + v_j <= c_ij`` on every pair, i.e. ``v_j <= v_{s(i)} + c_ij - c_{i, s(i)}``: a
    system of difference constraints on the columns, solved by shortest distances from a
    virtual source (label-correcting relaxation, vectorised over all pairs per sweep).
    Returns None if it does not converge within ``C`` sweeps (a negative cycle: the
    matching was not optimal on the pairs).
    """
    n = cost.shape[0]
    matched = cost[np.arange(n), match]
    src = match[rows]  # arc s(i) -> j with weight c_ij - c_{i, s(i)}
    w = cost[rows, cols] - matched[rows]
    order = np.argsort(cols, kind='stable')
    src, dst, w = src[order], cols[order], w[order]
    heads = np.flatnonzero(np.r_[True, dst[1:] != dst[:-1]])
    targets = dst[heads]
    v = np.zeros(n)
    for _ in range(n + 1):
        best = np.minimum.reduceat(v[src] + w, heads)
        improve = best < v[targets]
        if not improve.any():
            return matched - v[match], v
        v[targets[improve]] = best[improve]
    return None


def dual_violations(
    cost: np.ndarray, u: np.ndarray, v: np.ndarray, tol: float, per_row: int, row_block: int = 256
) -> Tuple[np.ndarray, np.ndarray]:
    """Pairs with reduced cost ``c_ij - u_i - v_j < -tol`` over the dense matrix (at most
    ``per_row`` most negative ones per row), as ``(rows, cols)``. One pass over ``cost``."""
    out_r, out_c = [], []
    buf = np.empty((min(row_block, cost.shape[0]), cost.shape[1]))
    for s in range(0, cost.shape[0], row_block):
        block = cost[s : s + row_block]
        red = np.subtract(block, v[None, :], out=buf[: block.shape[0]])
        bad = np.flatnonzero(red.min(1) < u[s : s + row_block] - tol)
        for i in bad:
            r = red[i] - u[s + i]
            cand = np.flatnonzero(r < -tol)
            if cand.size > per_row:
                cand = cand[np.argpartition(r[cand], per_row)[:per_row]]
            out_r.append(np.full(cand.size, s + i, dtype=np.int64))
            out_c.append(cand)
    if not out_r:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(out_r), np.concatenate(out_c)


def unique_pairs(rows: np.ndarray, cols: np.ndarray, n: int) -> Tuple[np.ndarray, np.ndarray]:
    """``(rows, cols)`` without repeated pairs, sorted by row."""
    flat = np.unique(rows * n + cols)
    return flat // n, flat % n


def certified_sparse_assignment(
    cost: np.ndarray,
    k: int = 16,
    init: Optional[np.ndarray] = None,
    max_rounds: int = 10,
    tol: float = 1e-11,
) -> Optional[np.ndarray]:
    """Exact min-cost perfect matching of a square cost matrix, or None (no certificate).

    Args:
        cost: ``(C, C)`` float64 costs (finite).
        k: candidate columns per row of the first sparse solve.
        init: optional ``(C,)`` permutation (e.g. the previous assignment) kept among the
            candidates; default the identity. It guarantees a perfect matching exists.
        max_rounds: sparse solves before giving up (the caller then solves densely).
        tol: slack of the dual certificate; the returned matching costs at most
            ``C * tol`` more than the optimum.

    Returns:
        ``(C,)`` int64 ``col`` of each row, optimal for the dense problem; None if not
        certified within ``max_rounds``.
    """
    n = cost.shape[0]
    if n == 0:
        return np.empty(0, np.int64)
    base = np.arange(n, dtype=np.int64) if init is None else np.asarray(init, np.int64)
    if base.shape != (n,) or np.unique(base).size != n or base.min() < 0 or base.max() >= n:
        raise ValueError(f'init must be a permutation of {n} columns, got shape {base.shape}')
    top = candidate_columns(cost, k)
    rows = np.concatenate([np.repeat(np.arange(n, dtype=np.int64), top.shape[1]), np.arange(n)])
    cols = np.concatenate([top.reshape(-1), base])
    rows, cols = unique_pairs(rows, cols, n)
    per_row = max(k, 4)
    for _ in range(max_rounds):
        match = sparse_matching(cost, rows, cols)
        if match is None:
            return None
        duals = matching_duals(cost, rows, cols, match)
        if duals is None:
            return None
        bad_r, bad_c = dual_violations(cost, *duals, tol, per_row)
        if bad_r.size == 0:
            return match
        rows, cols = unique_pairs(np.r_[rows, bad_r], np.r_[cols, bad_c], n)
    return None
