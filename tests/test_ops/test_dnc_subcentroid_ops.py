import threading

import pytest
import torch
import torch.nn.functional as F
from helpers.dnc_alg1_reference import alg1_update, sinkhorn_one_class

from mmproto.ops import (
    assign_from_transport,
    classwise_sinkhorn,
    classwise_spherical_kmeans,
    momentum_update,
    own_class_similarity,
    subcentroid_statistics,
)


def make_data(n=80, c=6, k=3, d=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = F.normalize(torch.randn(n, d, generator=g), dim=-1)
    labels = torch.randint(0, c - 2, (n,), generator=g)
    labels[:5] = -1  # ignored samples
    labels[5] = c - 2  # a class with a single sample; class c-1 has none
    protos = F.normalize(torch.randn(c, k, d, generator=g), dim=-1)
    correct = torch.rand(n, generator=g) < 0.7
    return x, labels, protos, correct


def vectorised_alg1(protos, x, labels, correct, momentum=0.999, eps=0.05, iters=3, valid=None):
    c, k, _ = protos.shape
    sims = own_class_similarity(x, labels, protos, block_size=4, chunk_rows=16)
    q = classwise_sinkhorn(sims, labels, c, eps, iters, valid)
    assign = assign_from_transport(q)
    sums, counts = subcentroid_statistics(x, labels, assign, correct, c, k, chunk_rows=7)
    return assign, momentum_update(protos, sums, counts, momentum), q


@pytest.mark.parametrize('block,chunk', [(1, 1), (4, 16), (64, 16384)])
def test_own_class_similarity_matches_einsum(block, chunk):
    x, labels, protos, _ = make_data()
    sims = own_class_similarity(x.half(), labels, protos, block_size=block, chunk_rows=chunk)
    full = torch.einsum('nd,ckd->nkc', x.half().float(), protos)
    ref = full[torch.arange(len(x)), :, labels.clamp(min=0)] * (labels >= 0)[:, None]
    assert sims.dtype == torch.float32
    torch.testing.assert_close(sims, ref)


def test_sinkhorn_matches_per_class_reference():
    x, labels, protos, _ = make_data()
    sims = own_class_similarity(x, labels, protos)
    q = classwise_sinkhorn(sims, labels, protos.shape[0])
    for c in range(protos.shape[0]):
        idx = (labels == c).nonzero().squeeze(1)
        if idx.numel():
            torch.testing.assert_close(q[idx], sinkhorn_one_class(sims[idx]))
    assert torch.all(q[labels < 0] == 0)
    torch.testing.assert_close(q[labels >= 0].sum(1), torch.ones(int((labels >= 0).sum())))
    # a lone sample is split evenly (equipartition over K)
    torch.testing.assert_close(q[5], torch.full((3,), 1 / 3))


def test_alg1_vectorised_equals_per_class_loop():
    x, labels, protos, correct = make_data(n=200, c=7, k=4, d=16, seed=3)
    assign, new, q = vectorised_alg1(protos, x, labels, correct, momentum=0.9)
    ref_assign, ref_new, ref_q = alg1_update(protos, x, labels, correct, momentum=0.9)
    assert torch.equal(assign, ref_assign)
    torch.testing.assert_close(q, ref_q)
    torch.testing.assert_close(new, ref_new)
    assert torch.allclose(new.norm(dim=-1), torch.ones(7, 4))


def test_correct_only_mask():
    x, labels, protos, _ = make_data()
    none = torch.zeros(len(x), dtype=torch.bool)
    _, new, _ = vectorised_alg1(protos, x, labels, none, momentum=0.5)
    assert torch.equal(new, protos)  # nothing correctly classified: nothing moves
    only = torch.zeros_like(none)
    only[10] = True
    assign, new, _ = vectorised_alg1(protos, x, labels, only, momentum=0.5)
    moved = (new != protos).any(-1)
    assert moved.sum() == 1 and moved[labels[10], assign[10]]
    expected = F.normalize(0.5 * protos[labels[10], assign[10]] + 0.5 * x[10], dim=0)
    torch.testing.assert_close(new[labels[10], assign[10]], expected)


def test_equipartition():
    g = torch.Generator().manual_seed(1)
    labels = torch.arange(3).repeat_interleave(torch.tensor([40, 24, 12]))
    # all samples near one sub-centroid: without the constraint argmax would collapse
    protos = F.normalize(torch.randn(3, 4, 16, generator=g), dim=-1)
    x = F.normalize(protos[labels, 0] + 0.3 * torch.randn(76, 16, generator=g), dim=-1)
    sims = own_class_similarity(x, labels, protos)
    q = classwise_sinkhorn(sims, labels, 3, eps=0.05, iters=500)
    mass = torch.zeros(3, 4).index_add_(0, labels, q)
    torch.testing.assert_close(mass, torch.tensor([10.0, 6.0, 3.0])[:, None].expand(3, 4))
    # the hard assignment spreads the samples over several sub-centroids
    a = assign_from_transport(q)
    assert len(set(a[labels == 0].tolist())) > 1


def test_valid_mask_per_class_k():
    x, labels, protos, correct = make_data(n=120, c=5, k=4, seed=2)
    ks = [4, 1, 2, 3, 4]
    valid = torch.arange(4)[None] < torch.tensor(ks)[:, None]
    sims = own_class_similarity(x, labels, protos)
    q = classwise_sinkhorn(sims, labels, 5, valid=valid, iters=300)
    allowed = valid[labels.clamp(min=0)] & (labels >= 0)[:, None]
    assert torch.all(q[~allowed] == 0)
    mass = torch.zeros(5, 4).index_add_(0, labels.clamp(min=0), q * (labels >= 0)[:, None])
    n_c = torch.bincount(labels[labels >= 0], minlength=5).float()
    expected = (n_c / torch.tensor(ks))[:, None] * valid
    torch.testing.assert_close(mass, expected, atol=1e-3, rtol=1e-3)
    assign = assign_from_transport(q, mask=allowed)
    assert torch.all(assign[labels >= 0] < torch.tensor(ks)[labels[labels >= 0]])
    # against the reference restricted to the first K_c sub-centroids
    q3 = classwise_sinkhorn(sims, labels, 5, valid=valid)
    ref_assign, ref_new, _ = alg1_update(protos, x, labels, correct, 0.9, ks=ks)
    a3 = assign_from_transport(q3, mask=allowed)
    assert torch.equal(a3, ref_assign)
    sums, counts = subcentroid_statistics(x, labels, a3, correct, 5, 4)
    torch.testing.assert_close(momentum_update(protos, sums, counts, 0.9), ref_new)


def test_all_reduce_equals_union():
    """Two "ranks" (threads) with disjoint samples and a summing all_reduce == one process."""
    x, labels, protos, _ = make_data(n=90)
    sims = own_class_similarity(x, labels, protos)
    full = classwise_sinkhorn(sims, labels, 6)
    parts = [slice(0, 37), slice(37, 90)]
    buf, out, barrier = {}, {}, threading.Barrier(2)

    def reducer(rank):
        def all_reduce(t):
            buf[rank] = t.clone()
            barrier.wait()
            total = buf[0] + buf[1]
            barrier.wait()
            return total

        return all_reduce

    def run(rank):
        s = parts[rank]
        out[rank] = classwise_sinkhorn(sims[s], labels[s], 6, all_reduce=reducer(rank))

    threads = [threading.Thread(target=run, args=(r,)) for r in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    torch.testing.assert_close(torch.cat([out[0], out[1]]), full)


def test_assign_from_transport_modes():
    q = torch.tensor([[0.1, 0.7, 0.2], [0.0, 0.0, 0.0], [0.5, 0.5, 0.0]])
    assert assign_from_transport(q).tolist() == [1, -1, 0]
    mask = torch.tensor([[True, True, False]] * 3) & (q.sum(1, keepdim=True) > 0)
    draws = torch.stack(
        [
            assign_from_transport(
                q, 'gumbel', generator=torch.Generator().manual_seed(s), mask=mask
            )
            for s in range(200)
        ]
    )
    assert torch.all(draws[:, 1] == -1) and torch.all(draws[:, [0, 2]] >= 0)
    assert torch.all(draws[:, [0, 2]] < 2)  # masked entry never drawn
    assert 0 < (draws[:, 0] == 1).float().mean() < 1  # stochastic, both options occur
    again = assign_from_transport(
        q, 'gumbel', generator=torch.Generator().manual_seed(7), mask=mask
    )
    assert torch.equal(again, draws[7])
    with pytest.raises(ValueError, match='argmax'):
        assign_from_transport(q, 'softmax')


def reference_kmeans(x, labels, centroids, iters):
    centres = centroids.clone()
    assign = torch.full((len(x),), -1)
    for c in range(centres.shape[0]):
        idx = (labels == c).nonzero().squeeze(1)
        if idx.numel() == 0:
            continue
        for _ in range(iters):
            a = (x[idx] @ centres[c].t()).argmax(1)
            for k in range(centres.shape[1]):
                if (a == k).any():
                    centres[c, k] = F.normalize(x[idx][a == k].sum(0), dim=0)
        assign[idx] = (x[idx] @ centres[c].t()).argmax(1)
    return assign


def test_kmeans_matches_reference_and_separates_clusters():
    x, labels, protos, _ = make_data(n=150, seed=4)
    a = classwise_spherical_kmeans(x, labels, protos, iters=5)
    assert torch.equal(a, reference_kmeans(x, labels, protos, 5))
    # two well-separated blobs per class are recovered
    g = torch.Generator().manual_seed(0)
    centres = F.normalize(torch.randn(2, 2, 32, generator=g), dim=-1)
    lab = torch.arange(2).repeat_interleave(40)
    blob = torch.arange(2).repeat(40)
    pts = F.normalize(centres[lab, blob] + 0.05 * torch.randn(80, 32, generator=g), dim=-1)
    init = F.normalize(pts[[0, 1, 40, 41]].view(2, 2, 32) + 0.2, dim=-1)
    a = classwise_spherical_kmeans(pts, lab, init, iters=5)
    for c in range(2):
        same = a[lab == c] == blob[lab == c]
        assert same.all() or (~same).all()


def test_momentum_update_variants():
    x, labels, protos, correct = make_data()
    c, k, _ = protos.shape
    assign = assign_from_transport(
        classwise_sinkhorn(own_class_similarity(x, labels, protos), labels, c)
    )
    sums, counts = subcentroid_statistics(x, labels, assign, None, c, k)
    ref = torch.zeros(c, k, x.shape[1])
    for i in range(len(x)):
        if labels[i] >= 0:
            ref[labels[i], assign[i]] += x[i]
    torch.testing.assert_close(sums, ref)
    for norm_mean in (False, True):
        new = momentum_update(protos, sums, counts, 0.999, normalize_mean=norm_mean)
        assert torch.equal(new[counts == 0], protos[counts == 0])
        torch.testing.assert_close(new.norm(dim=-1), torch.ones(c, k))
    target = F.normalize(sums, dim=-1)
    new = momentum_update(protos, sums, counts, 0.0, normalize_mean=True)
    torch.testing.assert_close(new[counts > 0], target[counts > 0])


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_low_precision_autocast_stays_finite(dtype):
    x, labels, protos, correct = make_data(n=64, d=32)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        xs = x.to(dtype)
        sims = own_class_similarity(xs, labels, protos.to(dtype))
        q = classwise_sinkhorn(sims.to(dtype), labels, protos.shape[0], eps=0.01)
        a = assign_from_transport(q)
        sums, counts = subcentroid_statistics(xs, labels, a, correct, *protos.shape[:2])
        new = momentum_update(protos.to(dtype), sums, counts, 0.9)
        ak = classwise_spherical_kmeans(xs, labels, protos.to(dtype), iters=2)
    for t in (sims, q, sums, counts, new):
        assert t.dtype == torch.float32 and torch.isfinite(t).all()
    assert torch.all(a[labels >= 0] >= 0) and torch.all(ak[labels >= 0] >= 0)


def test_bad_labels():
    x, labels, protos, _ = make_data()
    labels[0] = 6
    with pytest.raises(ValueError, match='num_classes'):
        classwise_sinkhorn(own_class_similarity(x, labels, protos), labels, 6)
