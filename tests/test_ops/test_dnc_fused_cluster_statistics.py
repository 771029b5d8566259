"""``classwise_cluster_statistics`` (one read of the features) equals the unfused chain
``own_class_similarity -> classwise_sinkhorn -> assign_from_transport ->
subcentroid_statistics`` and the per-class reference of Alg. 1 (DNC)."""

import pytest
import torch
import torch.nn.functional as F
from helpers.dnc_alg1_reference import sinkhorn_one_class  # noqa: E402

from mmproto.ops import (
    assign_from_transport,
    classwise_cluster_statistics,
    classwise_sinkhorn,
    expand_valid,
    own_class_similarity,
    subcentroid_statistics,
)


def _unfused(x, labels, weight, protos, valid, mode, seed):
    c, k, _ = protos.shape
    sims = own_class_similarity(x, labels, protos)
    q = classwise_sinkhorn(sims, labels, c, 0.05, 3, valid)
    gen = torch.Generator().manual_seed(seed) if mode == 'gumbel' else None
    mask = expand_valid(valid, labels, k) if valid is not None else None
    assign = assign_from_transport(q, mode, gen, mask)
    return (assign,) + subcentroid_statistics(x, labels, assign, weight, c, k)


def _data(n=500, c=7, k=3, d=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    protos = F.normalize(torch.randn(c, k, d, generator=g), dim=-1)
    labels = torch.randint(0, c, (n,), generator=g)
    labels[::17] = -1
    labels[labels == 3] = 4  # an absent class
    x = F.normalize(torch.randn(n, d, generator=g), dim=-1)
    return x, labels, protos, g


@pytest.mark.parametrize('mode', ['argmax', 'gumbel'])
@pytest.mark.parametrize('kind', ['none', 'bool', 'float', 'half', 'valid'])
@pytest.mark.parametrize('group_rows', [64, 1000])  # many groups / one group
def test_fused_equals_unfused(mode, kind, group_rows):
    x, labels, protos, g = _data()
    weight, valid = None, None
    if kind in ('bool', 'half', 'valid'):
        weight = torch.rand(x.shape[0], generator=g) < 0.7
    elif kind == 'float':
        weight = torch.rand(x.shape[0], generator=g) * (torch.rand(x.shape[0], generator=g) < 0.7)
    if kind == 'half':
        x = x.half()
    if kind == 'valid':
        valid = torch.ones(protos.shape[:2], dtype=torch.bool)
        valid[1, 2] = valid[5, 1:] = False
        protos = protos * valid[..., None]
    ref = _unfused(x, labels, weight, protos, valid, mode, seed=3)
    gen = torch.Generator().manual_seed(3) if mode == 'gumbel' else None
    out = classwise_cluster_statistics(
        x, labels, weight, protos, valid, 0.05, 3, mode, gen, group_rows=group_rows
    )
    assert out is not None
    assert torch.equal(out[0], ref[0])
    torch.testing.assert_close(out[1], ref[1], rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(out[2], ref[2], rtol=0, atol=0)
    assert bool((out[0][labels < 0] == -1).all())
    if valid is not None:
        assert not bool((out[2] * ~valid).any())


def test_fused_matches_per_class_reference():
    """Assignments equal a literal per-class Sinkhorn + argmax (Alg. 1)."""
    x, labels, protos, _ = _data(n=300, c=5, k=4, d=8, seed=1)
    assign, sums, counts = classwise_cluster_statistics(x, labels, None, protos, group_rows=64)
    for c in range(protos.shape[0]):
        idx = (labels == c).nonzero().squeeze(1)
        if idx.numel() == 0:
            continue
        a = sinkhorn_one_class(x[idx] @ protos[c].t()).argmax(1)
        assert torch.equal(assign[idx], a)
        onehot = F.one_hot(a, protos.shape[1]).float()
        torch.testing.assert_close(sums[c], onehot.t() @ x[idx], rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(counts[c], onehot.sum(0))


def test_class_larger_than_chunk_returns_none():
    x, labels, protos, _ = _data()
    assert classwise_cluster_statistics(x, labels, None, protos, chunk_rows=32) is None


def test_bad_weight_shape_is_refused():
    x, labels, protos, _ = _data()
    with pytest.raises(ValueError, match='weight'):
        classwise_cluster_statistics(x, labels, labels[:3] > 0, protos)
