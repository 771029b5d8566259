"""ProtoSeg PPC / PPD against per-pixel loops; no collision with ignore_index when C*K > 255."""

import math

import pytest
import torch

from mmproto.models.losses import PixelPrototypeContrastLoss, PixelPrototypeDistanceLoss


def _data(n=40, c=30, k=10, seed=0):
    g = torch.Generator().manual_seed(seed)
    sims = torch.rand(n, c, k, generator=g) * 2 - 1
    labels = torch.randint(0, c, (n,), generator=g)
    assign = torch.randint(0, k, (n,), generator=g)
    labels[::7] = -1  # ignored pixels
    return sims, labels, assign


def _ref_ppc(sims, labels, assign, t):
    terms = []
    for i in range(sims.shape[0]):
        if labels[i] < 0:
            continue
        logits = [float(v) / t for v in sims[i].flatten()]
        m = max(logits)
        lse = m + math.log(sum(math.exp(v - m) for v in logits))
        terms.append(lse - float(sims[i, labels[i], assign[i]]) / t)
    return sum(terms) / len(terms)


def _ref_ppd(sims, labels, assign):
    terms = [
        (1 - float(sims[i, labels[i], assign[i]])) ** 2
        for i in range(sims.shape[0])
        if labels[i] >= 0
    ]
    return sum(terms) / len(terms)


@pytest.mark.parametrize('temperature', [1.0, 0.1])
def test_ppc_matches_loop(temperature):
    sims, labels, assign = _data()
    loss = PixelPrototypeContrastLoss(loss_weight=0.5, temperature=temperature)
    assert loss.loss_name == 'loss_ppc'
    out = loss(sims, labels, assign)
    ref = 0.5 * _ref_ppc(sims, labels, assign, temperature)
    assert math.isclose(float(out), ref, rel_tol=1e-5)


def test_ppd_matches_loop():
    sims, labels, assign = _data()
    out = PixelPrototypeDistanceLoss(loss_weight=2.0)(sims, labels, assign)
    assert math.isclose(float(out), 2.0 * _ref_ppd(sims, labels, assign), rel_tol=1e-5)


def test_no_collision_with_ignore_index_when_ck_exceeds_255():
    # C * K = 300 > 255: class 25, sub-centroid 5 has flat id 25 * 10 + 5 = 255 (mmseg's
    # ignore_index). That pixel must count like any other.
    sims, labels, assign = _data(n=3)
    labels[:] = torch.tensor([25, 25, 3])
    assign[:] = torch.tensor([5, 5, 1])
    assert int(labels[0] * 10 + assign[0]) == 255
    ppc = PixelPrototypeContrastLoss(loss_weight=1.0)(sims, labels, assign)
    assert math.isclose(float(ppc), _ref_ppc(sims, labels, assign, 1.0), rel_tol=1e-5)
    only_third = PixelPrototypeContrastLoss(loss_weight=1.0)(sims[2:], labels[2:], assign[2:])
    assert not math.isclose(float(ppc), float(only_third), rel_tol=1e-3)


def test_gradient_and_edge_cases():
    sims, labels, assign = _data(n=6, c=3, k=2)
    sims.requires_grad_(True)
    (PixelPrototypeContrastLoss(1.0)(sims, labels, assign)).backward()
    assert sims.grad[labels < 0].abs().sum() == 0  # ignored pixels get no gradient
    assert sims.grad[labels >= 0].abs().sum() > 0
    # every pixel ignored: a zero that still backpropagates
    none = torch.full_like(labels, -1)
    out = PixelPrototypeDistanceLoss(1.0)(sims, none, assign)
    assert float(out) == 0.0 and out.requires_grad
    # invalid sub-centroids (-inf) do not break the contrast term
    sims2 = sims.detach().clone()
    sims2[:, :, 1] = float('-inf')
    assign0 = torch.zeros_like(assign)
    assert torch.isfinite(PixelPrototypeContrastLoss(1.0)(sims2, labels, assign0))
    with pytest.raises(ValueError, match='outside'):
        PixelPrototypeDistanceLoss(1.0)(sims, labels.clamp(min=0), torch.full_like(assign, 2))
    with pytest.raises(ValueError, match='temperature'):
        PixelPrototypeContrastLoss(1.0, temperature=0)
