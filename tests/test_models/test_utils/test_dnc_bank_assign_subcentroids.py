"""``SubCentroidBank.assign_subcentroids``: the clustering step of Alg. 1 as a public method
(used by ``update`` and by the ProtoSeg loss targets of the DNC decode heads)."""

import os.path as osp

import torch
import torch.nn.functional as F

from mmproto.models.utils import SubCentroidBank

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _reference():
    from helpers import dnc_alg1_reference

    return dnc_alg1_reference


def test_assign_matches_per_class_loop_and_update():
    ref = _reference()
    torch.manual_seed(0)
    bank = SubCentroidBank(5, 8, num_subcentroids=3, momentum=0.9, sync='reduce')
    x = F.normalize(torch.randn(60, 8), dim=1)
    labels = torch.randint(0, 5, (60,))
    labels[::5] = -1
    assign = bank.assign_subcentroids(x, labels)
    expected, protos, _ = ref.alg1_update(
        bank.prototypes, x, labels, torch.ones(60, dtype=torch.bool), momentum=0.9
    )
    assert torch.equal(assign, expected)
    assert (assign[labels < 0] == -1).all()
    # update() clusters with the same method: same prototypes as the reference
    bank.update(x, labels, torch.ones(60, dtype=torch.bool))
    torch.testing.assert_close(bank.prototypes, protos, rtol=1e-5, atol=1e-6)


def test_assign_respects_per_class_k_and_kmeans():
    torch.manual_seed(1)
    bank = SubCentroidBank(3, 4, num_subcentroids=[1, 2, 3])
    x = F.normalize(torch.randn(30, 4), dim=1)
    labels = torch.arange(30) % 3
    assign = bank.assign_subcentroids(x, labels)
    for c, k in enumerate([1, 2, 3]):
        assert assign[labels == c].max() < k
    km = SubCentroidBank(3, 4, num_subcentroids=2, assign='kmeans')
    a = km.assign_subcentroids(x, labels)
    assert a.min() >= 0 and a.max() < 2
