"""Certified sparse assignment (DL2PA Eq. 9 at many classes) against scipy's dense optimum."""

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from mmproto.ops import sparse_assignment as sa
from mmproto.ops.assignment import solve_linear_assignment


def _opt(cost):
    r, c = linear_sum_assignment(cost)
    return cost[r, c].sum()


def _costs(kind, n, rng):
    if kind == 'random':
        return rng.standard_normal((n, n))
    if kind == 'trained':  # rows near a hidden permutation (epoch-end DL2PA update)
        w = rng.standard_normal((n, 16))
        w /= np.linalg.norm(w, axis=1, keepdims=True)
        z = w[rng.permutation(n)] + 0.3 * rng.standard_normal((n, 16))
        z /= np.linalg.norm(z, axis=1, keepdims=True)
        return -(z @ w.T)
    if kind == 'ties':  # few distinct values: many optimal matchings
        return rng.integers(0, 3, (n, n)).astype(np.float64)
    if kind == 'rank_one':  # c_ij = a_i b_j: the optimum pairs opposite orders
        return np.outer(rng.standard_normal(n), rng.standard_normal(n))
    if kind == 'constant_rows':  # every matching costs the same
        return np.repeat(rng.standard_normal((n, 1)), n, axis=1)
    raise ValueError(kind)


@pytest.mark.parametrize('kind', ['random', 'trained', 'ties', 'rank_one', 'constant_rows'])
@pytest.mark.parametrize('n', [1, 7, 60])
@pytest.mark.parametrize('k', [1, 4, 16])
def test_certified_equals_scipy_optimum(kind, n, k):
    cost = _costs(kind, n, np.random.default_rng(n * 31 + k))
    a = sa.certified_sparse_assignment(cost, k=k, max_rounds=50)
    assert a is not None
    assert sorted(a.tolist()) == list(range(n))
    opt = _opt(cost)
    assert abs(cost[np.arange(n), a].sum() - opt) <= 1e-9 * max(1.0, abs(opt))


def test_duals_are_a_certificate():
    rng = np.random.default_rng(0)
    cost = rng.standard_normal((60, 60))
    rows = np.repeat(np.arange(60), 60)
    cols = np.tile(np.arange(60), 60)
    match = sa.sparse_matching(cost, rows, cols)
    u, v = sa.matching_duals(cost, rows, cols, match)
    red = cost - u[:, None] - v[None, :]
    assert red.min() >= -1e-12
    np.testing.assert_allclose(red[np.arange(60), match], 0.0, atol=1e-12)
    assert cost[np.arange(60), match].sum() == pytest.approx(_opt(cost), abs=1e-9)


def test_non_optimal_matching_has_no_duals():
    cost = np.array([[0.0, 1.0], [1.0, 0.0]])
    rows, cols = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])
    assert sa.matching_duals(cost, rows, cols, np.array([1, 0])) is None  # negative cycle


def test_violations_found_and_fixed_by_later_rounds():
    """With 1 candidate per row the first sparse optimum is wrong; the dense dual check
    finds the missing pairs; with no further round there is no certificate."""
    rng = np.random.default_rng(3)
    cost = rng.standard_normal((50, 50))
    assert sa.certified_sparse_assignment(cost, k=1, max_rounds=1) is None
    a = sa.certified_sparse_assignment(cost, k=1, max_rounds=50)
    assert cost[np.arange(50), a].sum() == pytest.approx(_opt(cost), abs=1e-9)


def test_init_is_kept_and_checked():
    rng = np.random.default_rng(1)
    cost = rng.standard_normal((30, 30))
    init = rng.permutation(30)
    a = sa.certified_sparse_assignment(cost, k=2, init=init, max_rounds=50)
    assert cost[np.arange(30), a].sum() == pytest.approx(_opt(cost), abs=1e-9)
    with pytest.raises(ValueError, match='init must be a permutation'):
        sa.certified_sparse_assignment(cost, init=np.zeros(30, np.int64))


def test_solver_falls_back_to_scipy(monkeypatch):
    monkeypatch.setattr('mmproto.ops.assignment.certified_sparse_assignment', lambda *a, **k: None)
    cost = np.random.default_rng(2).standard_normal((25, 25))
    a = solve_linear_assignment(cost, 'sparse')
    assert cost[np.arange(25), a].sum() == pytest.approx(_opt(cost), abs=1e-9)
