import importlib.util
import itertools

import numpy as np
import pytest
import torch

from mmproto.ops.assignment import label_to_prototype_assignment, solve_linear_assignment


def _brute_force(scores):
    c = scores.shape[0]
    best = max(
        itertools.permutations(range(c)), key=lambda p: sum(scores[i, p[i]] for i in range(c))
    )
    return sum(scores[i, best[i]] for i in range(c))


@pytest.mark.parametrize('seed', range(5))
def test_assignment_is_optimal_permutation(seed):
    g = torch.Generator().manual_seed(seed)
    c, d = 6, 4
    means, protos = torch.randn(c, d, generator=g), torch.randn(c, d, generator=g)
    a = label_to_prototype_assignment(means, protos)
    assert sorted(a.tolist()) == list(range(c))
    scores = (
        (
            torch.nn.functional.normalize(means, dim=1)
            @ torch.nn.functional.normalize(protos, dim=1).T
        )
        .double()
        .numpy()
    )
    got = scores[np.arange(c), a.numpy()].sum()
    assert got == pytest.approx(_brute_force(scores), abs=1e-9)


def test_assignment_recovers_a_hidden_permutation():
    g = torch.Generator().manual_seed(0)
    protos = torch.nn.functional.normalize(torch.randn(50, 8, generator=g), dim=1)
    perm = torch.randperm(50, generator=g)
    means = protos[perm] + 0.01 * torch.randn(50, 8, generator=g)
    assert torch.equal(label_to_prototype_assignment(means, protos), perm)


@pytest.mark.parametrize('solver', ['lapjv', 'lap'])
def test_optional_solvers_agree_with_scipy(solver):
    if importlib.util.find_spec(solver) is None:
        pytest.skip(f'{solver} not installed')
    cost = np.random.default_rng(0).standard_normal((30, 30))
    ref = solve_linear_assignment(cost, 'scipy')
    got = solve_linear_assignment(cost, solver)
    assert cost[np.arange(30), got].sum() == pytest.approx(cost[np.arange(30), ref].sum())


def test_assignment_bad_input():
    with pytest.raises(ValueError, match='must both be'):
        label_to_prototype_assignment(torch.randn(3, 4), torch.randn(4, 4))
    with pytest.raises(ValueError, match='non-finite'):
        solve_linear_assignment(np.array([[0.0, np.nan], [1.0, 0.0]]))
    with pytest.raises(ValueError, match='unknown assignment solver'):
        solve_linear_assignment(np.zeros((2, 2)), 'greedy')
