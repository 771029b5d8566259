"""L-Softmax and ArcFace margin ops against their definitions."""

import math

import pytest
import torch

from mmproto.ops import additive_angular_margin, chebyshev_cos_multiple, large_margin_psi


def _psi_reference(theta, m):
    k = min(int(m * theta / math.pi), m - 1)
    return (-1) ** k * math.cos(m * theta) - 2 * k


@pytest.mark.parametrize('m', [1, 2, 3, 4])
def test_large_margin_psi(m):
    thetas = torch.linspace(0.01, math.pi - 0.01, 97, dtype=torch.float64)
    psi = large_margin_psi(torch.cos(thetas), m)
    expected = torch.tensor([_psi_reference(t, m) for t in thetas.tolist()], dtype=torch.float64)
    torch.testing.assert_close(psi, expected)
    assert (psi.diff() < 0).all()  # monotonically decreasing in theta
    assert (psi <= torch.cos(thetas) + 1e-12).all()
    torch.testing.assert_close(chebyshev_cos_multiple(torch.cos(thetas), m), torch.cos(m * thetas))


def test_gradients_finite_at_the_poles():
    c = torch.tensor([1.0, -1.0, 0.3], requires_grad=True)
    large_margin_psi(c, 4).sum().backward()
    assert torch.isfinite(c.grad).all()
    c.grad = None
    additive_angular_margin(c, 0.5).sum().backward()
    assert torch.isfinite(c.grad).all()
    with pytest.raises(ValueError, match='m'):
        large_margin_psi(c, 0)


def test_additive_angular_margin():
    m = 0.5
    thetas = torch.linspace(0.0, math.pi, 50, dtype=torch.float64)
    cos = torch.cos(thetas)
    phi = additive_angular_margin(cos, m)
    inside = thetas < math.pi - m - 1e-6
    torch.testing.assert_close(phi[inside], torch.cos(thetas[inside] + m), atol=1e-6, rtol=0)
    torch.testing.assert_close(phi[~inside], cos[~inside] - math.sin(m) * m)
    easy = additive_angular_margin(cos, m, easy_margin=True)
    torch.testing.assert_close(easy[cos <= 0], cos[cos <= 0])
    # per-class margins broadcast over the last axis
    out = additive_angular_margin(torch.zeros(2, 3), torch.tensor([0.0, 0.1, 0.2]))
    torch.testing.assert_close(out[0], torch.cos(math.pi / 2 + torch.tensor([0.0, 0.1, 0.2])))
