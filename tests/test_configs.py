"""Every config under ``configs/`` builds and trains for two iterations on the CPU.

For EVERY config (``_base_`` folders excluded) the test loads it, shrinks it with
:func:`mmproto.testing.config_harness.shrink_config` (tiny generated dataset in the task's
layout, batch 2, small images, no downloaded / on-disk weights) and builds the Runner with
its model, train and val loops (datasets, samplers, evaluators), optimizer wrapper and
parameter schedulers (:func:`build_runner_parts`).

Training (weight init, two optimizer steps with the config's hooks, one validation on two
batches) then runs once per distinct *run signature*: the shrunk model, data preprocessor,
train pipelines and custom hooks (:func:`run_signature`). The first config of a signature,
in sorted path order, trains; later configs with the same signature (e.g. a schedule or
dataset-path variant) are only built, and the test says which config trained for them.
"""

import math
import os.path as osp
import re
from typing import Dict

import pytest
import torch
from mmengine.config import Config

from mmproto.testing.config_harness import (
    TinyData,
    build_runner_parts,
    close_runner,
    find_configs,
    run_signature,
    shrink_config,
    train_two_iterations,
)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG_ROOT = osp.join(REPO, 'configs')
CONFIGS = find_configs(CONFIG_ROOT)
TRAINED: Dict[str, str] = {}  # run signature -> config that trained it


@pytest.fixture(scope='module')
def tiny_data(tmp_path_factory) -> TinyData:
    return TinyData(str(tmp_path_factory.mktemp('tiny_data')))


@pytest.fixture(scope='module', autouse=True)
def one_thread():
    """Tiny tensors: one intra-op thread is as fast and does not fight other processes."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _config_id(path: str) -> str:
    return osp.relpath(path, CONFIG_ROOT)


def test_configs_found():
    assert all(osp.isfile(c) for c in CONFIGS)
    assert not [c for c in CONFIGS if '_base_' in c.split(osp.sep)]


@pytest.mark.parametrize('config', CONFIGS, ids=_config_id)
def test_config_builds_and_trains(config, tiny_data, tmp_path, request):
    with open(config) as f:
        text = f.read()
    # mmproto:: paths resolve only through an installed package's .mim folder
    assert not re.search(r'mmproto::', text), 'inherit configs of this repo by relative path'
    cfg = Config.fromfile(config)
    small = shrink_config(cfg, tiny_data, str(tmp_path))
    runner, info = build_runner_parts(small)
    try:
        signature = run_signature(small)
        if signature in TRAINED:
            request.node.user_properties.append(('trained_by', TRAINED[signature]))
            return
        iters = train_two_iterations(runner)
        assert iters == info['iters'] >= 2
        loss = runner.message_hub.get_scalar('train/loss').current()
        assert math.isfinite(loss), f'loss {loss} after {iters} iterations'
        TRAINED[signature] = _config_id(config)
    finally:
        close_runner(runner)
        del runner
