import pytest
import torch
import torch.nn.functional as F
from helpers.dnc_alg1_reference import alg1_update  # noqa: E402

from mmproto.models.utils import CheckpointShapeError, SubCentroidBank, SubCentroidClassifier


def batch(n=48, c=4, d=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = F.normalize(torch.randn(n, d, generator=g), dim=-1)
    labels = torch.randint(0, c, (n,), generator=g)
    correct = torch.rand(n, generator=g) < 0.6
    return x, labels, correct


def test_update_equals_reference_without_memory():
    bank = SubCentroidBank(4, 8, num_subcentroids=3, momentum=0.9)
    x, labels, correct = batch()
    _, ref, _ = alg1_update(bank.prototypes, x, labels, correct, momentum=0.9)
    stats = bank.update(x, labels, correct)
    torch.testing.assert_close(bank.prototypes, ref)
    assert int(bank.num_updates) == 1
    assert 0 < stats['subcentroid_moved'] <= 1
    assert stats['subcentroid_correct'] == pytest.approx(correct.float().mean().item())


@pytest.mark.parametrize('dtype', ['float32', 'float16'])
def test_update_with_memory_clusters_memory_and_batch(dtype):
    bank = SubCentroidBank(4, 8, 3, momentum=0.9, memory_size=96, memory_dtype=dtype)
    (xa, ya, ca), (xb, yb, cb) = batch(seed=1), batch(seed=2)
    bank.update(xa, ya, ca)
    protos = bank.prototypes.clone()
    stats = bank.update(xb, yb, cb)
    assert stats['memory_fill'] == 1.0
    cast = (lambda t: t.half().float()) if dtype == 'float16' else (lambda t: t)
    xs = cast(torch.cat([xa, xb]))
    _, ref, _ = alg1_update(protos, xs, torch.cat([ya, yb]), torch.cat([ca, cb]), momentum=0.9)
    torch.testing.assert_close(bank.prototypes, ref)
    assert bank.memory.features.dtype == getattr(torch, dtype)
    with pytest.raises(ValueError, match='memory_size'):
        bank.update(*batch(n=100))


def test_flush_memory_clusters_once_when_full_then_empties():
    """memory_mode='flush' (released code, notes §1.5): no update until the memory is full,
    then Alg. 1 once on everything accumulated; an overflowing batch's tail is kept."""
    bank = SubCentroidBank(4, 8, 3, momentum=0.9, memory_size=80, memory_mode='flush')
    (xa, ya, ca), (xb, yb, cb), (xc, yc, cc) = batch(seed=1), batch(seed=2), batch(seed=3)
    protos = bank.prototypes.clone()
    stats = bank.update(xa, ya, ca)
    assert torch.equal(bank.prototypes, protos) and int(bank.num_updates) == 0
    assert stats == {'memory_fill': 48 / 80}
    bank.update(xb, yb, cb)  # 48 + 32 fill the memory: one update, then 16 samples remain
    xs, ys, cs = torch.cat([xa, xb[:32]]), torch.cat([ya, yb[:32]]), torch.cat([ca, cb[:32]])
    _, ref, _ = alg1_update(protos, xs, ys, cs, momentum=0.9)
    torch.testing.assert_close(bank.prototypes, ref)
    assert int(bank.num_updates) == 1 and int(bank.memory.ptr) == 16
    assert torch.equal(bank.memory.labels[:16], yb[32:]) and bank.memory.num_filled() == 16
    after = bank.prototypes.clone()
    bank.update(xc, yc, cc)  # 16 + 48 < 80: accumulate only
    assert torch.equal(bank.prototypes, after) and int(bank.memory.ptr) == 64
    with pytest.raises(ValueError, match="memory_mode='flush' needs"):
        SubCentroidBank(4, 8, 3, memory_mode='flush')
    with pytest.raises(ValueError, match="memory_mode='flush' needs"):
        SubCentroidBank(4, 8, 3, memory_size=8, memory_mode='flush', sync='reduce')
    with pytest.raises(ValueError, match='memory_mode must be one of'):
        SubCentroidBank(4, 8, 3, memory_size=8, memory_mode='lifo')


@pytest.mark.parametrize('mode', ['fifo', 'flush'])
def test_memory_state_resumes_exactly(mode):
    """Save mid-run (flush: with a part-filled memory), load into a fresh bank, continue:
    identical to the uninterrupted run."""

    def make():
        torch.manual_seed(0)
        return SubCentroidBank(4, 8, 3, momentum=0.9, memory_size=80, memory_mode=mode)

    steps = [batch(seed=s) for s in range(6)]
    full = make()
    for x, y, c in steps:
        full.update(x, y, c)
    first = make()
    for x, y, c in steps[:3]:
        first.update(x, y, c)
    state = {k: v.clone() for k, v in first.state_dict().items()}
    resumed = make()
    resumed.load_state_dict(state)
    for x, y, c in steps[3:]:
        resumed.update(x, y, c)
    for k, v in full.state_dict().items():
        assert torch.equal(resumed.state_dict()[k], v), k
    assert int(full.num_updates) == (6 if mode == 'fifo' else 3)  # flush: 288 samples / 80


def test_per_class_k_and_similarity():
    bank = SubCentroidBank(3, 8, num_subcentroids=[1, 3, 2], momentum=0.5)
    assert bank.valid.tolist() == [[True, False, False], [True, True, True], [True, True, False]]
    x, labels, correct = batch(n=60, c=3)
    sims = bank.similarity(x)
    assert sims.shape == (60, 3, 3) and torch.isinf(sims[:, 0, 1:]).all()
    torch.testing.assert_close(bank.class_scores(x), sims.amax(-1))
    _, ref, _ = alg1_update(bank.prototypes, x, labels, correct, momentum=0.5, ks=[1, 3, 2])
    bank.update(x, labels, correct)
    torch.testing.assert_close(bank.prototypes, ref)
    assert torch.all(bank.prototypes[~bank.valid] == 0)


def test_assignment_variants_are_reproducible():
    x, labels, correct = batch(n=64)
    for assign in ('sinkhorn_gumbel', 'kmeans'):
        banks = [SubCentroidBank(4, 8, 3, momentum=0.5, assign=assign) for _ in range(2)]
        banks[1].load_state_dict(banks[0].state_dict())
        before = banks[0].prototypes.clone()
        for b in banks:
            b.update(x, labels, correct)
        assert torch.equal(banks[0].prototypes, banks[1].prototypes)
        assert not torch.equal(banks[0].prototypes, before)


def test_init_from_samples():
    bank = SubCentroidBank(5, 8, 2, momentum=0.5, init='samples')
    assert not bank.initialized.any()
    x, labels, correct = batch(n=30, c=3)
    before = bank.prototypes.clone()
    bank.update(x, labels, correct)
    assert bank.initialized.tolist() == [True, True, True, False, False]
    for c in range(3):
        for k in range(2):  # each sub-centroid is one of the class's samples
            cos = x[labels == c] @ bank.prototypes[c, k]
            assert cos.max() == pytest.approx(1.0, abs=1e-5)
    assert torch.equal(bank.prototypes[3:], before[3:])
    after_init = bank.prototypes.clone()
    bank.update(x, labels, torch.ones_like(correct))
    assert not torch.equal(bank.prototypes[:3], after_init[:3])


def test_bad_arguments_and_labels():
    with pytest.raises(ValueError, match='num_subcentroids'):
        SubCentroidBank(3, 8, 0)
    with pytest.raises(ValueError, match='num_subcentroids'):
        SubCentroidBank(3, 8, [1, 2])
    with pytest.raises(ValueError, match='assign'):
        SubCentroidBank(3, 8, assign='agd')
    bank = SubCentroidBank(3, 8)
    x, labels, correct = batch(c=4)
    labels[0] = 3
    with pytest.raises(ValueError, match='num_classes'):
        bank.update(x, labels, correct)
    with pytest.raises(ValueError, match='embed_dim'):
        bank.update(torch.zeros(2, 5), torch.zeros(2).long(), torch.ones(2).bool())


def test_checkpoint_of_other_shape_is_refused():
    bank = SubCentroidBank(4, 8, 3, memory_size=48)
    bank.update(*batch())
    same = SubCentroidBank(4, 8, 3, memory_size=48)
    same.load_state_dict(bank.state_dict())
    for k, v in bank.state_dict().items():
        assert torch.equal(same.state_dict()[k], v), k
    for c, k, d in ((5, 3, 8), (4, 2, 8), (4, 3, 16)):
        with pytest.raises(CheckpointShapeError, match='another \\(C, K, D\\)'):
            SubCentroidBank(c, d, k, memory_size=48).load_state_dict(bank.state_dict())


def test_classifier_forward_cache_and_update():
    clf = SubCentroidClassifier(
        4, 8, num_subcentroids=2, logit_norm='layernorm', momentum=0.5, memory_size=48
    )
    f = torch.randn(16, 8, requires_grad=True)
    labels = torch.randint(0, 4, (16,))
    with pytest.raises(RuntimeError, match='SubCentroidUpdateHook'):
        clf(f, labels)
    clf.attach_subcentroid_updater()
    logits = clf(f, labels)
    assert logits.shape == (16, 4)
    logits.logsumexp(1).sum().backward()
    assert f.grad is not None and clf.mask_norm.weight.grad is not None
    before = clf.prototypes.clone()
    clf.update_subcentroids()
    assert clf._cache is None and clf.bank.memory.num_filled() == 16
    assert not clf.bank.memory.features.requires_grad  # no gradient reaches stored features
    assert clf.bank.memory.features.grad_fn is None and clf.prototypes.grad_fn is None
    correct = logits.argmax(1) == labels
    assert torch.equal(clf.bank.memory.correct[:16], correct)
    assert correct.any() == (not torch.equal(clf.prototypes, before))
    clf.eval()
    with torch.no_grad():
        clf(torch.randn(3, 8))
    assert clf._cache is None
    with pytest.raises(ValueError, match='in_channels'):
        clf(torch.randn(3, 7))
    assert clf.update_subcentroids() == {}


@pytest.mark.parametrize('logit_norm', ['layernorm', 'temperature', 'none'])
def test_classifier_logit_norms(logit_norm):
    clf = SubCentroidClassifier(4, 8, 2, feat_norm=False, logit_norm=logit_norm, temperature=0.2)
    clf.eval()
    f = torch.randn(5, 8)
    cos = clf.bank.class_scores(F.normalize(f, dim=-1))
    expected = {'layernorm': F.layer_norm(cos, (4,)), 'temperature': cos / 0.2, 'none': cos}
    torch.testing.assert_close(clf(f), expected[logit_norm])
    assert ('mask_norm.weight' in clf.state_dict()) == (logit_norm == 'layernorm')


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_classifier_autocast_finite(dtype):
    clf = SubCentroidClassifier(4, 8, 2, memory_size=32, memory_dtype='float16')
    clf.attach_subcentroid_updater()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        logits = clf(torch.randn(16, 8).to(dtype) * 100, torch.randint(0, 4, (16,)))
        clf.update_subcentroids()
    assert torch.isfinite(logits).all()
    assert torch.isfinite(clf.prototypes).all() and clf.prototypes.dtype == torch.float32
    torch.testing.assert_close(clf.prototypes.norm(dim=-1), torch.ones(4, 2))
