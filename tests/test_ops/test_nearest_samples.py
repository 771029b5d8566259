import pytest
import torch
import torch.nn.functional as F

from mmproto.ops import init_nearest_samples, merge_nearest_samples, update_nearest_samples


def brute_force(x, labels, prototypes, valid):
    """For every (c, k): argmax over samples of class c of cos(x_i, p_ck), lowest index on ties."""
    C, K, _ = prototypes.shape
    idx = torch.full((C, K), -1, dtype=torch.long)
    for c in range(C):
        for k in range(K):
            if not valid[c, k]:
                continue
            best = None
            for i in range(x.shape[0]):
                if labels[i] != c:
                    continue
                s = float(torch.dot(x[i], prototypes[c, k]))
                if best is None or s > best:
                    best, idx[c, k] = s, i
    return idx


def own_class_sims(x, labels, prototypes, valid):
    sims = torch.einsum('nd,nkd->nk', x, prototypes[labels.clamp(min=0)])
    return sims.masked_fill(~valid[labels.clamp(min=0)], float('-inf'))


@pytest.mark.parametrize('batch', [1, 7, 64])
def test_streaming_matches_brute_force(batch):
    g = torch.Generator().manual_seed(0)
    N, C, K, D = 64, 5, 3, 8
    x = F.normalize(torch.randn(N, D, generator=g), dim=1)
    labels = torch.randint(0, C, (N,), generator=g)
    labels[::11] = -1  # ignored samples
    protos = F.normalize(torch.randn(C, K, D, generator=g), dim=2)
    valid = torch.ones(C, K, dtype=torch.bool)
    valid[2, 1:] = False  # per-class K (Table 23)
    best_sim, best_idx = init_nearest_samples(C, K)
    perm = torch.randperm(N, generator=g)  # order must not matter
    for s in range(0, N, batch):
        i = perm[s : s + batch]
        sims = own_class_sims(x[i], labels[i], protos, valid)
        best_sim, best_idx = update_nearest_samples(sims, labels[i], i, best_sim, best_idx)
    expected = brute_force(x, labels, protos, valid)
    assert torch.equal(best_idx, expected)
    assert (best_idx[2, 1:] == -1).all() and torch.isinf(best_sim[2, 1:]).all()


def test_ties_go_to_lowest_index_and_merge_is_order_free():
    x = F.normalize(torch.ones(4, 2), dim=1)  # identical samples: every one is a tie
    labels = torch.zeros(4, dtype=torch.long)
    protos = F.normalize(torch.tensor([[[1.0, 0.0]]]), dim=2)
    valid = torch.ones(1, 1, dtype=torch.bool)
    sims = own_class_sims(x, labels, protos, valid)
    halves = []
    for part in (torch.tensor([3, 1]), torch.tensor([2, 0])):
        halves.append(
            update_nearest_samples(sims[part], labels[part], part, *init_nearest_samples(1, 1))
        )
    a = merge_nearest_samples(*halves[0], *halves[1])
    b = merge_nearest_samples(*halves[1], *halves[0])
    assert int(a[1]) == int(b[1]) == 0


def test_bad_input_names_the_tensor():
    best = init_nearest_samples(2, 3)
    with pytest.raises(ValueError, match='sims must be'):
        update_nearest_samples(
            torch.zeros(4, 2), torch.zeros(4, dtype=torch.long), torch.arange(4), *best
        )
    with pytest.raises(ValueError, match='labels must be < num_classes'):
        update_nearest_samples(torch.zeros(1, 3), torch.tensor([5]), torch.arange(1), *best)
