"""SubCentroidBank under a real 2-process gloo group (CPU) vs one process on the union."""

import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from helpers import run_distributed

from mmproto.models.utils import SubCentroidBank

CONFIGS = {
    'gather': dict(sync='gather', memory_size=48, memory_dtype='float16'),
    'gather_samples_gumbel': dict(
        sync='gather', memory_size=48, init='samples', assign='sinkhorn_gumbel'
    ),
    # released-code memory: 15 labelled samples per step, flushed at 20 (steps 2, 3, 4)
    'gather_flush': dict(sync='gather', memory_size=20, memory_mode='flush'),
    'reduce': dict(sync='reduce'),
    'reduce_kmeans_per_class_k': dict(
        sync='reduce', assign='kmeans', num_subcentroids=[1, 3, 2, 3, 2]
    ),
}
SPLIT = (7, 9)  # unequal per-rank batch sizes


def global_batch(t):
    g = torch.Generator().manual_seed(100 + t)
    n = sum(SPLIT)
    x = F.normalize(torch.randn(n, 16, generator=g), dim=-1)
    labels = torch.randint(0, 5, (n,), generator=g)
    labels[3] = -1  # an ignored sample (e.g. a segmentation ignore pixel)
    correct = torch.rand(n, generator=g) < 0.8
    return x, labels, correct


def make_bank(name):
    kwargs = dict(num_subcentroids=3, momentum=0.8)
    kwargs.update(CONFIGS[name])
    torch.manual_seed(0)
    return SubCentroidBank(5, 16, **kwargs)


def run(bank, rank=None, steps=4):
    for t in range(steps):
        x, labels, correct = global_batch(t)
        if rank is not None:
            s = slice(0, SPLIT[0]) if rank == 0 else slice(SPLIT[0], None)
            x, labels, correct = x[s], labels[s], correct[s]
        bank.update(x, labels, correct)
    return {k: v.clone() for k, v in bank.state_dict().items()}


def _worker(rank, world_size, tmp):
    out = {name: run(make_bank(name), rank) for name in CONFIGS}
    torch.save(out, osp.join(tmp, f'rank{rank}.pth'))


@pytest.mark.dist
def test_two_ranks_identical_and_equal_to_one_process(tmp_path):
    run_distributed(_worker, 2, args=(str(tmp_path),))
    ranks = [torch.load(str(tmp_path / f'rank{r}.pth')) for r in range(2)]
    for name in CONFIGS:
        single = run(make_bank(name))
        assert int(single['num_updates']) == (3 if name == 'gather_flush' else 4)
        for key, value in single.items():
            if name.startswith('reduce') and key.startswith('memory'):
                continue
            assert torch.equal(ranks[0][name][key], ranks[1][name][key]), (name, key)
            if value.is_floating_point():
                torch.testing.assert_close(ranks[0][name][key], value, msg=f'{name} {key}')
            else:
                assert torch.equal(ranks[0][name][key], value), (name, key)
        moved = (single['prototypes'] != make_bank(name).prototypes).any(-1)
        assert moved.sum() > 3, name
