"""Kasarla et al. (NeurIPS 2022) maximum-separation matrix against their recursive definition."""

import pytest
import torch

from mmproto.ops.prototypes import max_separation_prototypes


def _recursive_reference(k: int) -> torch.Tensor:
    """``P_k`` (``k x (k+1)``) written literally: ``P_1 = [1, -1]``,
    ``P_k = [[1, -1/k 1ᵀ], [0, sqrt(1 - 1/k²) P_{k-1}]]``."""
    if k == 1:
        return torch.tensor([[1.0, -1.0]], dtype=torch.float64)
    top = torch.cat([torch.ones(1, 1), torch.full((1, k), -1.0 / k)], dim=1).double()
    below = torch.cat(
        [
            torch.zeros(k - 1, 1, dtype=torch.float64),
            (1 - 1 / k**2) ** 0.5 * _recursive_reference(k - 1),
        ],
        dim=1,
    )
    return torch.cat([top, below], dim=0)


@pytest.mark.parametrize('c', [2, 3, 4, 7, 10, 100])
def test_matches_recursive_definition(c):
    w = max_separation_prototypes(c)
    assert w.shape == (c, c - 1) and w.dtype == torch.float32
    assert torch.allclose(w.double(), _recursive_reference(c - 1).T, atol=1e-6)


@pytest.mark.parametrize('c', [2, 5, 10, 100, 1000])
def test_unit_norms_and_pairwise_cosine(c):
    w = max_separation_prototypes(c).double()
    assert w.shape == (c, c - 1)  # C vectors in C-1 dimensions
    assert torch.allclose(w.norm(dim=1), torch.ones(c, dtype=torch.float64), atol=1e-6)
    cos = w @ w.T
    off = cos[~torch.eye(c, dtype=torch.bool)]
    assert torch.allclose(off, torch.full_like(off, -1.0 / (c - 1)), atol=1e-6)
    # maximally separated: the vectors sum to zero (centroid at the origin)
    assert w.sum(0).abs().max() < 1e-5


def test_rejects_fewer_than_two_classes():
    with pytest.raises(ValueError, match='num_classes must be >= 2'):
        max_separation_prototypes(1)
