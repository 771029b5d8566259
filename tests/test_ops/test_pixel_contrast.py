"""ContrastiveSeg Eq. 3 against a loop over anchors and positives; hard anchor sampling."""

import math

import pytest
import torch
import torch.nn.functional as F

from mmproto.ops.pixel_contrast import hard_anchor_sampling, pixel_contrast_loss


def reference(anchors, a_labels, contrast, c_labels, t, base, self_contrast):
    """Eq. 3 literally: for each anchor, average over its positives of
    -log(e^{s+/t} / (e^{s+/t} + sum_neg e^{s-/t})), scaled by t / base."""
    terms = []
    for i in range(anchors.shape[0]):
        negs = [j for j in range(contrast.shape[0]) if c_labels[j] != a_labels[i]]
        poss = [
            j
            for j in range(contrast.shape[0])
            if c_labels[j] == a_labels[i] and not (self_contrast and j == i)
        ]
        if not poss:
            continue
        neg_sum = sum(math.exp(float(anchors[i] @ contrast[j]) / t) for j in negs)
        vals = []
        for p in poss:
            e = math.exp(float(anchors[i] @ contrast[p]) / t)
            vals.append(-math.log(e / (e + neg_sum)))
        terms.append(sum(vals) / len(vals))
    return (t / base) * sum(terms) / len(terms)


def _unit(n, d, seed):
    return F.normalize(torch.randn(n, d, generator=torch.Generator().manual_seed(seed)), dim=1)


@pytest.mark.parametrize('t', [0.1, 0.5])
def test_loss_with_memory_matches_reference(t):
    a, c = _unit(7, 5, 0).double(), _unit(12, 5, 1).double()
    ya = torch.tensor([0, 1, 2, 0, 1, 3, 0])  # class 3 has no positive in the memory
    yc = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2])
    got = pixel_contrast_loss(a, ya, c, yc, temperature=t, base_temperature=0.07)
    assert got.item() == pytest.approx(reference(a, ya, c, yc, t, 0.07, False), rel=1e-6)


def test_loss_in_batch_excludes_self_and_has_gradient():
    a = _unit(9, 4, 2).requires_grad_()
    ya = torch.tensor([0, 0, 1, 1, 1, 2, 2, 0, 3])  # the single class-3 anchor has no positive
    got = pixel_contrast_loss(a, ya, temperature=0.1)
    ref = reference(a.detach().double(), ya, a.detach().double(), ya, 0.1, 0.07, True)
    assert got.item() == pytest.approx(ref, rel=1e-5)
    got.backward()
    assert a.grad.abs().sum() > 0
    # no positive anywhere: a zero loss that still backpropagates
    z = pixel_contrast_loss(a[:3], torch.tensor([0, 1, 2]))
    assert z.item() == 0.0 and z.requires_grad
    with pytest.raises(ValueError, match='contrast needs contrast_labels'):
        pixel_contrast_loss(a, ya, a.detach())


def test_hard_anchor_sampling_split_and_filter():
    # image 0: class 0 with 6 hard + 6 easy pixels, class 1 with 3 pixels (<= max_views: out)
    labels = torch.tensor([[0] * 12 + [1] * 3 + [-1], [2] * 10 + [0] * 6])
    preds = torch.tensor([[1] * 6 + [0] * 6 + [1] * 3 + [0], [2] * 2 + [0] * 8 + [0] * 6])
    idx, cls = hard_anchor_sampling(labels, preds, max_samples=100, max_views=4)
    assert cls.tolist() == [0, 0, 2]  # image 0: class 0; image 1: classes 0 (6 > 4) and 2
    assert idx.shape == (3, 4)
    flat_l, flat_p = labels.view(-1), preds.view(-1)
    for row, c in zip(idx, cls):
        assert torch.all(flat_l[row] == c)
    # image 0 class 0: two hard (predicted 1) then two easy
    assert flat_p[idx[0]].tolist() == [1, 1, 0, 0]
    # image 1 class 0: all easy -> topped up to 4 easy
    assert flat_p[idx[1]].tolist() == [0, 0, 0, 0]
    # image 1 class 2: 8 hard (predicted 0), 2 easy -> 2 hard + 2 easy
    assert flat_p[idx[2]].tolist() == [0, 0, 2, 2]
    # V = min(max_samples // #(image, class), max_views), seeded picks
    idx2, _ = hard_anchor_sampling(labels, preds, max_samples=7, max_views=4)
    assert idx2.shape == (3, 2)
    g1, g2 = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    assert torch.equal(
        hard_anchor_sampling(labels, preds, 100, 4, g1)[0],
        hard_anchor_sampling(labels, preds, 100, 4, g2)[0],
    )
    none, ncls = hard_anchor_sampling(labels, preds, max_samples=100, max_views=50)
    assert none.numel() == 0 and ncls.numel() == 0
