import pytest
import torch

from mmproto.ops.prototypes import (
    check_prototypes,
    embedding_prototypes,
    hpn_prototypes,
    optimise_prototypes,
    pairwise_cosine_stats,
    simplex_etf,
)


@pytest.mark.parametrize('c,d', [(10, 9), (10, 16)])
def test_optimised_prototypes_converge_to_etf_when_d_ge_c_minus_1(c, d):
    w = optimise_prototypes(c, d, iters=300, seed=3)
    assert w.shape == (c, d)
    assert torch.allclose(w.norm(dim=1), torch.ones(c), atol=1e-5)
    cos = w @ w.T
    off = cos[~torch.eye(c, dtype=torch.bool)]
    assert torch.allclose(off, torch.full_like(off, -1 / (c - 1)), atol=2e-3)


def test_optimised_prototypes_cross_polytope_when_c_is_2d():
    s = pairwise_cosine_stats(optimise_prototypes(8, 4, iters=300, seed=0))
    assert s['max'] == pytest.approx(0.0, abs=1e-2) and s['min'] == pytest.approx(-1.0, abs=1e-3)


def test_optimise_is_seeded_and_subsampled_batches_work():
    a = optimise_prototypes(12, 5, iters=20, batch_size=4, seed=7)
    b = optimise_prototypes(12, 5, iters=20, batch_size=4, seed=7)
    assert torch.equal(a, b)
    assert not torch.equal(a, optimise_prototypes(12, 5, iters=20, batch_size=4, seed=8))
    with pytest.raises(ValueError, match='batch_size'):
        optimise_prototypes(12, 5, iters=1, batch_size=1)


def test_simplex_etf_geometry_and_dimension_check():
    for c, d in [(5, 4), (5, 9)]:
        w = simplex_etf(c, d)
        cos = (w @ w.T).double()
        expected = torch.full((c, c), -1 / (c - 1), dtype=torch.float64).fill_diagonal_(1.0)
        assert torch.allclose(cos, expected, atol=1e-6)
    with pytest.raises(ValueError, match='dim >= num_classes - 1'):
        simplex_etf(10, 8)


def test_hpn_prototypes_separate_points():
    s = pairwise_cosine_stats(hpn_prototypes(6, 3, iters=1000, seed=0))
    # the optimum of 6 points on S^2 is the octahedron: max cosine 0, antipodal pairs
    assert s['max'] < 0.05 and s['min'] < -0.999


def test_embedding_prototypes_pca_and_checks():
    emb = torch.randn(6, 10, generator=torch.Generator().manual_seed(0))
    w = embedding_prototypes(emb, 4)
    assert w.shape == (6, 4) and torch.allclose(w.norm(dim=1), torch.ones(6), atol=1e-5)
    with pytest.raises(ValueError, match='fewer than the prototype dim'):
        embedding_prototypes(emb, 11)


def test_check_prototypes_names_the_fault():
    w = torch.randn(4, 3)
    with pytest.raises(ValueError, match='num_classes=5'):
        check_prototypes(w, 5, 3)
    with pytest.raises(ValueError, match=r'd \(embed_dims\)=2'):
        check_prototypes(w, 4, 2)
    w[1, 1] = float('nan')
    with pytest.raises(ValueError, match='non-finite'):
        check_prototypes(w, 4, 3)


def test_progress_is_called_once_per_step_and_changes_nothing():
    calls = []
    w = optimise_prototypes(5, 3, iters=7, seed=1, progress=lambda: calls.append(1))
    assert len(calls) == 7
    assert torch.equal(w, optimise_prototypes(5, 3, iters=7, seed=1))
    calls.clear()
    h = hpn_prototypes(5, 3, iters=4, seed=1, progress=lambda: calls.append(1))
    assert len(calls) == 4
    assert torch.equal(h, hpn_prototypes(5, 3, iters=4, seed=1))
