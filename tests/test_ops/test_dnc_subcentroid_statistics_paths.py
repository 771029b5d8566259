"""``subcentroid_statistics``: the in-place path (most rows count, e.g. segmentation batches)
and the gather path (few rows count) both equal a per-sample loop."""

import pytest
import torch

from mmproto.ops import subcentroid_statistics


def _loop(x, labels, assign, weight, c, k):
    sums, counts = torch.zeros(c, k, x.shape[1]), torch.zeros(c, k)
    for i in range(x.shape[0]):
        w = 1.0 if weight is None else float(weight[i])
        if labels[i] < 0 or assign[i] < 0 or w == 0:
            continue
        sums[labels[i], assign[i]] += w * x[i].float()
        counts[labels[i], assign[i]] += w
    return sums, counts


@pytest.mark.parametrize('fraction', [0.9, 0.2])  # in-place path, gather path
@pytest.mark.parametrize('kind', ['none', 'bool', 'float', 'half'])
def test_both_paths_equal_loop(fraction, kind):
    g = torch.Generator().manual_seed(0)
    n, c, k, d = 300, 5, 3, 8
    x = torch.randn(n, d, generator=g)
    labels = torch.randint(0, c, (n,), generator=g)
    assign = torch.randint(0, k, (n,), generator=g)
    labels[::11] = -1
    assign[::13] = -1
    counted = torch.rand(n, generator=g) < fraction
    weight = None
    if kind == 'bool':
        weight = counted
    elif kind == 'float':
        weight = counted.float() * torch.rand(n, generator=g)
    elif kind == 'half':
        x = x.half()
        weight = counted
    else:
        labels = torch.where(counted, labels, torch.full_like(labels, -1))
    sums, counts = subcentroid_statistics(x, labels, assign, weight, c, k, chunk_rows=64)
    ref_sums, ref_counts = _loop(x, labels, assign, weight, c, k)
    assert sums.shape == (c, k, d) and counts.shape == (c, k)
    torch.testing.assert_close(counts, ref_counts)
    torch.testing.assert_close(sums, ref_sums, rtol=1e-5, atol=1e-5)
