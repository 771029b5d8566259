"""LatestTrainingStateHook: only the latest checkpoint keeps the DNC memory; resuming from it
stays bit-exact, an older (slimmed) one loads as weights and refuses an exact resume."""

import os.path as osp

import pytest
import torch
from mmengine.runner import Runner
from test_models.test_heads.test_dnc_head_runner import cfg, make_data, train

import mmproto  # noqa: F401
from mmproto.utils import load_local_checkpoint

MEMORY = [f'head.classifier.bank.memory.{n}' for n in ('features', 'labels', 'correct', 'ptr')]


def with_hook(config):
    config['custom_hooks'] = config['custom_hooks'] + [dict(type='LatestTrainingStateHook')]
    return config


def test_latest_checkpoint_alone_keeps_the_memory_and_resumes_exactly(tmp_path):
    root = make_data(str(tmp_path / 'data'))
    full = train(with_hook(cfg(str(tmp_path / 'full'), root, 'ddp.txt', 4, max_iters=9)))
    part = str(tmp_path / 'part')
    train(with_hook(cfg(part, root, 'ddp.txt', 4, max_iters=6)))
    old = load_local_checkpoint(osp.join(part, 'iter_3.pth'))
    latest = load_local_checkpoint(osp.join(part, 'iter_6.pth'))
    assert not any(k in old['state_dict'] for k in MEMORY)
    assert old['meta']['training_state_dropped'] == sorted(MEMORY)
    assert 'optimizer' in old and 'message_hub' in old  # only the memory went
    assert all(k in latest['state_dict'] for k in MEMORY)
    assert osp.getsize(osp.join(part, 'iter_3.pth')) < osp.getsize(osp.join(part, 'iter_6.pth'))

    resumed_cfg = with_hook(cfg(str(tmp_path / 'resumed'), root, 'ddp.txt', 4, max_iters=9))
    resumed_cfg.update(resume=True, load_from=osp.join(part, 'iter_6.pth'))
    resumed = train(resumed_cfg)
    assert set(full) == set(resumed)
    for k in full:
        assert torch.equal(full[k], resumed[k]), k
    # the resumed run's own latest checkpoint is complete
    own = load_local_checkpoint(str(tmp_path / 'resumed' / 'iter_9.pth'))
    assert all(k in own['state_dict'] for k in MEMORY)
    # the resume source lies in another run's folder: left as it was
    source = load_local_checkpoint(osp.join(part, 'iter_6.pth'))
    assert all(k in source['state_dict'] for k in MEMORY)

    # an older checkpoint: weights load strictly (memory empty), exact resume refused
    runner = Runner.from_cfg(cfg(str(tmp_path / 'load'), root, 'ddp.txt', 4))
    runner.load_checkpoint(osp.join(part, 'iter_3.pth'), strict=True)
    assert int(runner.model.head.classifier.bank.memory.ptr) == 0
    refused = with_hook(cfg(str(tmp_path / 'refused'), root, 'ddp.txt', 4, max_iters=9))
    refused.update(resume=True, load_from=osp.join(part, 'iter_3.pth'))
    with pytest.raises(RuntimeError, match='cannot resume exactly'):
        train(refused)
