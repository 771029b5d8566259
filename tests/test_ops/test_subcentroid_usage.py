import math

import pytest
import torch

from mmproto.ops import subcentroid_usage


def reference_usage(sims, labels, fine):
    """Per-sample loops: winner = argmax over the own class's K cosines."""
    n, c, k = sims.shape
    effs, maxes, pure, major = [], [], 0, 0
    for cls in range(c):
        idx = [i for i in range(n) if int(labels[i]) == cls]
        if not idx:
            continue
        winners = [max(range(k), key=lambda j: float(sims[i, cls, j])) for i in idx]
        shares = [winners.count(j) / len(idx) for j in range(k)]
        effs.append(math.exp(-sum(s * math.log(s) for s in shares if s > 0)))
        maxes.append(max(shares))
        for j in range(k):
            fs = [int(fine[i]) for i, w in zip(idx, winners) if w == j]
            pure += max((fs.count(f) for f in set(fs)), default=0)
        fs = [int(fine[i]) for i in idx]
        major += max(fs.count(f) for f in set(fs))
    return sum(effs) / len(effs), sum(maxes) / len(maxes), pure / n, major / n


def test_usage_matches_reference():
    g = torch.Generator().manual_seed(0)
    sims = torch.randn(50, 3, 4, generator=g)
    labels = torch.randint(0, 3, (50,), generator=g)
    fine = labels * 2 + torch.randint(0, 2, (50,), generator=g)
    out = subcentroid_usage(sims, labels, fine)
    eff, mx, pure, major = reference_usage(sims, labels, fine)
    assert out['eff_k'] == pytest.approx(eff)
    assert out['max_share'] == pytest.approx(mx)
    assert out['fine_purity'] == pytest.approx(pure)
    assert out['fine_majority'] == pytest.approx(major)


def test_usage_extremes():
    # every sample of a class won by sub-centroid 0 -> eff_k 1, purity = majority
    sims = torch.zeros(8, 2, 3)
    sims[:, :, 0] = 1.0
    labels = torch.tensor([0, 0, 0, 0, 1, 1, 1, 1])
    fine = torch.tensor([0, 0, 1, 1, 2, 2, 2, 3])
    out = subcentroid_usage(sims, labels, fine)
    assert out['eff_k'] == pytest.approx(1.0) and out['max_share'] == pytest.approx(1.0)
    assert out['fine_purity'] == pytest.approx(out['fine_majority'])
    # winners follow the fine classes exactly -> purity 1, eff_k = number of sub-classes
    sims = torch.zeros(8, 2, 3)
    sims[torch.arange(8), labels, fine % 2] = 1.0
    out = subcentroid_usage(sims, labels, fine)
    assert out['fine_purity'] == pytest.approx(1.0)
    assert out['eff_k'] == pytest.approx(
        (2.0 + math.exp(-(0.75 * math.log(0.75) + 0.25 * math.log(0.25)))) / 2
    )
    with pytest.raises(ValueError, match='labels'):
        subcentroid_usage(sims, labels + 5)
