"""ContrastiveSeg per-class pixel / segment queues: writes, wrap-around, resume, 2-rank gloo."""

import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from helpers import run_distributed

from mmproto.models.utils import PixelSegmentQueues


def batch(seed, b=2, n=12, d=4, c=3):
    g = torch.Generator().manual_seed(seed)
    emb = F.normalize(torch.randn(b, n, d, generator=g), dim=2)
    labels = torch.randint(-1, c, (b, n), generator=g)
    return emb, labels


def test_update_writes_segment_means_and_pixels_with_wrap():
    q = PixelSegmentQueues(3, 4, memory_size=5, pixel_update_freq=3, seed=0)
    init = q.state_dict()
    init = {k: v.clone() for k, v in init.items()}
    assert torch.allclose(q.segment_queue.norm(dim=2), torch.ones(3, 5))
    emb, labels = batch(0)
    q.update(emb, labels)
    for c in range(3):
        items = [(i, (labels[i] == c).nonzero().squeeze(1)) for i in range(2)]
        items = [(i, idx) for i, idx in items if idx.numel()]
        assert int(q.segment_ptr[c]) == len(items) % 5
        for slot, (i, idx) in enumerate(items):
            mean = F.normalize(emb[i, idx].mean(0), dim=0)
            torch.testing.assert_close(q.segment_queue[c, slot], mean)
        ks = [min(idx.numel(), 3) for _, idx in items]
        assert int(q.pixel_ptr[c]) == sum(ks) % 5
        written = q.pixel_queue[c, : min(sum(ks), 5)]
        own = torch.cat([emb[i, idx] for i, idx in items])
        # every written pixel entry is one of the class's own pixel embeddings
        assert torch.allclose((written @ own.T).amax(1), torch.ones(len(written)), atol=1e-6)
        # untouched slots keep their initial random vectors
        assert torch.equal(q.segment_queue[c, len(items) :], init['segment_queue'][c, len(items) :])
    assert int(q.num_updates) == 1
    feats, lab = q.contrast_set()
    assert feats.shape == (3 * 10, 4) and lab.tolist() == sum([[c] * 10 for c in range(3)], [])
    with pytest.raises(ValueError, match='num_classes=3'):
        q.update(emb, torch.full_like(labels, 3))
    with pytest.raises(ValueError, match='pixel_update_freq'):
        PixelSegmentQueues(3, 4, memory_size=2, pixel_update_freq=3)


def test_resume_continues_exactly():
    steps = [batch(s) for s in range(5)]
    full = PixelSegmentQueues(3, 4, memory_size=5, pixel_update_freq=3, seed=1)
    for e, y in steps:
        full.update(e, y)
    part = PixelSegmentQueues(3, 4, memory_size=5, pixel_update_freq=3, seed=1)
    for e, y in steps[:2]:
        part.update(e, y)
    resumed = PixelSegmentQueues(3, 4, memory_size=5, pixel_update_freq=3, seed=1)
    resumed.load_state_dict({k: v.clone() for k, v in part.state_dict().items()})
    for e, y in steps[2:]:
        resumed.update(e, y)
    for k, v in full.state_dict().items():
        assert torch.equal(resumed.state_dict()[k], v), k


def _worker(rank, world_size, tmp):
    q = PixelSegmentQueues(3, 4, memory_size=6, pixel_update_freq=2, seed=0)
    for s in range(3):
        emb, labels = batch(s, b=4)
        q.update(emb[2 * rank : 2 * rank + 2], labels[2 * rank : 2 * rank + 2])
    torch.save({k: v.clone() for k, v in q.state_dict().items()}, osp.join(tmp, f'r{rank}.pth'))


@pytest.mark.dist
def test_two_ranks_identical_and_segments_equal_one_process(tmp_path):
    run_distributed(_worker, 2, args=(str(tmp_path),))
    r0, r1 = (torch.load(str(tmp_path / f'r{r}.pth')) for r in range(2))
    for k in r0:
        assert torch.equal(r0[k], r1[k]), k
    single = PixelSegmentQueues(3, 4, memory_size=6, pixel_update_freq=2, seed=0)
    for s in range(3):
        single.update(*batch(s, b=4))  # rank order = image order: same segment writes
    torch.testing.assert_close(r0['segment_queue'], single.segment_queue)
    assert torch.equal(r0['segment_ptr'], single.segment_ptr)
    assert torch.equal(r0['pixel_ptr'], single.pixel_ptr)
