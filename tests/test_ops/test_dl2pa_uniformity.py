import math

import pytest
import torch

from mmproto.ops.uniformity import gaussian_potential, uniformity_loss


def _direct(w, t):
    w = [[x / math.sqrt(sum(x * x for x in v)) for x in v] for v in w.tolist()]
    terms = []
    for i in range(len(w)):
        for j in range(i + 1, len(w)):
            d2 = sum((a - b) ** 2 for a, b in zip(w[i], w[j]))
            terms.append(math.exp(-t * d2))
    return math.log(sum(terms) / len(terms))


@pytest.mark.parametrize('t', [0.5, 2.0, 3.0])
def test_uniformity_loss_matches_direct_formula(t):
    w = torch.randn(7, 4, generator=torch.Generator().manual_seed(1), dtype=torch.float64) * 3
    assert uniformity_loss(w, t).item() == pytest.approx(_direct(w, t), rel=1e-10)


def test_eq5_subset_against_all_and_kernel():
    g = torch.Generator().manual_seed(2)
    a, b = torch.randn(3, 5, generator=g).double(), torch.randn(6, 5, generator=g).double()
    an, bn = a / a.norm(dim=1, keepdim=True), b / b.norm(dim=1, keepdim=True)
    k = gaussian_potential(an, bn, 2.0)
    assert k[1, 4].item() == pytest.approx(math.exp(-2.0 * (an[1] - bn[4]).pow(2).sum().item()))
    assert uniformity_loss(a, 2.0, others=b).item() == pytest.approx(k.mean().log().item())


def test_uniformity_prefers_spread_points():
    spread = torch.tensor([[1.0, 0.0], [-1.0, 0.0]])
    close = torch.tensor([[1.0, 0.0], [1.0, 0.1]])
    assert uniformity_loss(spread) < uniformity_loss(close)
    with pytest.raises(ValueError, match='t must be > 0'):
        gaussian_potential(spread, spread, t=0)
