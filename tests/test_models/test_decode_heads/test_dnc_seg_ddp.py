"""Real 2-process gloo runs: with ``sync='reduce'`` both ranks end with identical
sub-centroids, equal to one process on the same global batch (variable pixel counts per rank)."""

import os
import os.path as osp

import pytest
import torch
from helpers import (
    make_seg_folder,
    run_distributed,
    tiny_seg_runner_cfg,
    tiny_segmentor_cfg,
)

import mmproto  # noqa: F401

pytestmark = [pytest.mark.dist, pytest.mark.slow]


def _global_batch():
    g = torch.Generator().manual_seed(3)
    feats = torch.randn(4, 8, 8, 8, generator=g)
    gts = torch.randint(0, 4, (4, 32, 32), generator=g)
    ignore = torch.rand(4, 32, 32, generator=g)
    gts[:2][ignore[:2] < 0.1] = 255  # rank 0: few ignore pixels
    gts[2:][ignore[2:] < 0.6] = 255  # rank 1: many -> unequal pixel counts per rank
    return feats, gts


def _head_step(rank, world_size, out_dir, part=None, name=None):
    from mmseg.registry import MODELS
    from test_dnc_decode_heads import samples

    torch.manual_seed(0)
    head = MODELS.build(
        dict(
            type='DNCFCNHead', in_channels=8, channels=16, num_convs=1, num_classes=4,
            num_subcentroids=3, momentum=0.5, dropout_ratio=0.0,
        )
    )  # fmt: skip
    head.classifier.attach_subcentroid_updater()
    head.train()
    feats, gts = _global_batch()
    if part is None:
        part = slice(2 * rank, 2 * rank + 2) if world_size == 2 else slice(0, 4)
    head.loss([feats[part]], samples(gts[part]), train_cfg={})
    head.classifier.update_subcentroids()
    name = name or f'head_{world_size}_{rank}.pt'
    torch.save(head.classifier.prototypes, osp.join(out_dir, name))


def test_head_update_ddp_equals_single_process(tmp_path):
    out = str(tmp_path)
    run_distributed(_head_step, 2, (out,))
    _head_step(0, 1, out)  # one process, the whole global batch
    _head_step(0, 1, out, part=slice(0, 2), name='half.pt')  # one process, rank 0's half only
    p0, p1 = (torch.load(osp.join(out, f'head_2_{r}.pt')) for r in (0, 1))
    single = torch.load(osp.join(out, 'head_1_0.pt'))
    half = torch.load(osp.join(out, 'half.pt'))
    assert torch.equal(p0, p1)
    torch.testing.assert_close(p0, single, rtol=1e-5, atol=1e-6)
    # without the all-reduce rank 0 would have moved to its own half: the test can fail
    assert (p0 - half).abs().max() > 1e-3


def _runner_worker(rank, world_size, work_dir, data_root, max_iters):
    from mmengine.config import Config
    from mmengine.runner import Runner

    launcher = 'pytorch' if world_size > 1 else 'none'
    cfg = tiny_seg_runner_cfg(
        work_dir,
        data_root,
        tiny_segmentor_cfg('DNCFCNHead', norm='GN', momentum=0.5),
        max_iters=max_iters,
        batch_size=4 // world_size,
        checkpoint_interval=1,
        shuffle=False,
        launcher=launcher,
    )
    runner = Runner.from_cfg(Config(cfg))
    runner.train()
    model = runner.model.module if world_size > 1 else runner.model
    protos = model.decode_head.classifier.prototypes
    torch.save(protos, osp.join(work_dir, f'final_{world_size}_{rank}.pt'))


def test_runner_ddp_identical_ranks_and_equal_to_single_process(tmp_path):
    os.environ.setdefault('OMP_NUM_THREADS', '1')
    data_root = make_seg_folder(str(tmp_path / 'data'), num_images=4, ignore_ratio=0.3)
    ddp_dir, single_dir = str(tmp_path / 'ddp'), str(tmp_path / 'single')
    run_distributed(_runner_worker, 2, (ddp_dir, data_root, 3))
    final0, final1 = (torch.load(osp.join(ddp_dir, f'final_2_{r}.pt')) for r in (0, 1))
    assert torch.equal(final0, final1)

    _runner_worker(0, 1, single_dir, data_root, 1)
    key = 'decode_head.classifier.bank.prototypes'
    ddp_it1 = torch.load(osp.join(ddp_dir, 'iter_1.pth'), weights_only=False)['state_dict'][key]
    single_it1 = torch.load(osp.join(single_dir, 'iter_1.pth'), weights_only=False)
    torch.testing.assert_close(ddp_it1, single_it1['state_dict'][key], rtol=1e-4, atol=1e-5)
    assert not torch.equal(ddp_it1, final0)  # the sub-centroids keep moving (mu = 0.5)
