import numpy as np
import pytest
import torch
from helpers.neural_collapse_reference import reference_nc  # noqa: E402

from mmproto.ops import class_scatter, neural_collapse_stats


@pytest.mark.parametrize('num_classes,dim', [(3, 5), (4, 2), (6, 8)])
def test_neural_collapse_matches_reference(num_classes, dim):
    g = torch.Generator().manual_seed(num_classes * 10 + dim)
    y = torch.randint(0, num_classes, (60,), generator=g)
    y[:num_classes] = torch.arange(num_classes)
    centres = torch.randn(num_classes, dim, generator=g) * 3
    h = centres[y] + torch.randn(60, dim, generator=g) * torch.linspace(0.2, 1.5, dim)
    nc1, ratio, sw, sb = reference_nc(h.numpy(), y.numpy())
    got = neural_collapse_stats(h, y)
    assert got['nc1'] == pytest.approx(nc1, rel=1e-9)
    assert got['tr_ratio'] == pytest.approx(ratio, rel=1e-9)
    scatter = class_scatter(h, y)
    np.testing.assert_allclose(scatter['sigma_w'].numpy(), sw, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(scatter['sigma_b'].numpy(), sb, rtol=1e-9, atol=1e-12)


def test_neural_collapse_limits():
    centres = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    y = torch.tensor([0, 0, 1, 1, 2, 2])
    collapsed = neural_collapse_stats(centres[y], y)
    assert collapsed['nc1'] == pytest.approx(0.0, abs=1e-12)
    assert collapsed['tr_ratio'] == pytest.approx(0.0, abs=1e-12)
    spread = neural_collapse_stats(
        centres[y] + 0.3 * torch.randn(6, 3, generator=torch.Generator().manual_seed(0)), y
    )
    assert spread['nc1'] > 0.01
    # scale invariance of both ratios
    h = torch.randn(40, 4)
    yy = torch.arange(40) % 4
    a, b = neural_collapse_stats(h, yy), neural_collapse_stats(7.0 * h, yy)
    assert a['nc1'] == pytest.approx(b['nc1'], rel=1e-6)


def test_absent_classes_skipped_and_bad_input():
    h = torch.randn(10, 3)
    y = torch.tensor([0, 0, 0, 2, 2, 2, 5, 5, 5, 5])
    ref = reference_nc(h.numpy(), y.numpy())
    assert neural_collapse_stats(h, y, num_classes=7)['nc1'] == pytest.approx(ref[0], rel=1e-9)
    with pytest.raises(ValueError, match='at least 2 classes'):
        neural_collapse_stats(h, torch.zeros(10, dtype=torch.long))
    with pytest.raises(ValueError, match='labels'):
        neural_collapse_stats(h, y[:5])
