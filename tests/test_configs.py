"""Every config under ``configs/`` builds and trains for two iterations on the CPU.

For EVERY config (``_base_`` folders excluded) the test loads it, shrinks it with
:func:`helpers.config_harness.shrink_config` (tiny generated dataset in the task's
layout, batch 2, small images, no downloaded / on-disk weights) and builds the Runner with
its model, train and val loops (datasets, samplers, evaluators), optimizer wrapper and
parameter schedulers (:func:`build_runner_parts`).

Training (weight init, two optimizer steps with the config's hooks, one validation on two
batches) then runs once per distinct *run signature*: the structure of the shrunk model, data
preprocessor, train pipelines and custom hooks, i.e. every type / option string and flag, with
numbers reduced to their sign (:func:`run_signature`). The first config of a signature, in
sorted path order, trains; later configs with the same signature (a schedule, dataset size,
depth, K or mu variant) are built and run one forward in ``'loss'`` mode on a training batch
(:func:`forward_one_batch`: every number a shape depends on meets real tensors), and record
which config trained for them (``user_properties['trained_by']`` in the junit report).

Separately, every config's train / val / test datasets are built on stand-ins with the real
datasets' structure (``helpers.standins``), one test per dataset family.
"""

import math
import os.path as osp
import re
from collections import defaultdict
from typing import Dict, List

import pytest
import torch
from helpers.config_harness import (
    TinyData,
    build_runner_parts,
    close_runner,
    find_configs,
    forward_one_batch,
    run_signature,
    shrink_config,
    train_two_iterations,
)
from helpers.dataset_check import LeafCache, check_config_datasets
from helpers.standins import StandIns
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG_ROOT = osp.join(REPO, 'configs')
CONFIGS = find_configs(CONFIG_ROOT)
TRAINED: Dict[str, str] = {}  # run signature -> config that trained it


def data_family(path: str) -> str:
    """The dataset part of a config name (``..._svhn-lt-imb100.py`` -> ``svhn-lt``): configs
    of one family read the same datasets, so one test builds them once for all."""
    name = osp.splitext(osp.basename(path))[0].rsplit('_', 1)[-1]
    return re.sub(r'-(imb\d+|\d+x\d+)$', '', name)


FAMILIES: Dict[str, List[str]] = defaultdict(list)
for _config in CONFIGS:
    FAMILIES[data_family(_config)].append(_config)


@pytest.fixture(scope='session')
def standins(tmp_path_factory) -> StandIns:
    """Shared by the xdist workers (their base temp folders have one parent)."""
    return StandIns(str(tmp_path_factory.getbasetemp().parent / 'standins'))


@pytest.mark.parametrize('family', sorted(FAMILIES))
def test_config_datasets_build_on_standins(family, standins):
    """Every config's train / val / test datasets build on stand-ins with the real data's
    structure (``helpers.standins``): not empty, labels within the model's classes, the first
    sample through the config's pipeline. A config that cannot build on the real data fails."""
    leaves = LeafCache(standins)
    failures = []
    for config in FAMILIES[family]:
        errors = check_config_datasets(Config.fromfile(config), leaves)
        failures += [f'{_config_id(config)}: {e}' for e in errors]
    assert not failures, '\n'.join(failures)


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
            # trained code path; this config's own numbers (C, in_channels, K, d...) still
            # meet real tensors in one forward
            request.node.user_properties.append(('trained_by', TRAINED[signature]))
            loss = forward_one_batch(runner)
            assert math.isfinite(loss), f'forward loss {loss}'
            return
        iters = train_two_iterations(runner)
        assert iters == info['iters'] >= 2
        loss = runner.message_hub.get_scalar('train/loss').current()
        assert math.isfinite(loss), f'loss {loss} after {iters} iterations'
        TRAINED[signature] = _config_id(config)
    finally:
        close_runner(runner)
        del runner


def test_run_signature_ignores_numbers_not_options():
    def cfg(depth, num_classes, logit_norm, memory_size):
        head = dict(type='DNCHead', num_classes=num_classes, logit_norm=logit_norm)
        head['memory_size'] = memory_size
        return Config(dict(model=dict(backbone=dict(type='ResNet', depth=depth), head=head)))

    base = run_signature(cfg(50, 1000, 'layernorm', 256000))
    assert run_signature(cfg(101, 10, 'layernorm', 12800)) == base
    assert run_signature(cfg(50, 1000, 'temperature', 256000)) != base
    assert run_signature(cfg(50, 1000, 'layernorm', 0)) != base


def test_shrink_config(tiny_data, tmp_path):
    cfg = Config.fromfile(osp.join(CONFIG_ROOT, 'dnc', 'dnc_resnet50_8xb32_in1k.py'))
    cfg.model.backbone.init_cfg = dict(type='Pretrained', checkpoint='https://x/y.pth')
    small = shrink_config(cfg, tiny_data, str(tmp_path))
    assert small.model.backbone.init_cfg is None
    assert small.train_dataloader.batch_size == 2 and small.train_dataloader.num_workers == 0
    pipeline = small.train_dataloader.dataset.pipeline
    assert [t.get('scale') for t in pipeline if t['type'] == 'RandomResizedCrop'] == [32]
    assert small.train_dataloader.dataset.type == 'mmpretrain.CustomDataset'
    assert len(small.train_dataloader.dataset.metainfo['classes']) == 1000
    assert small.default_hooks.checkpoint is None and small.load_from is None


def test_forward_catches_a_wrong_number_the_signature_ignores(tiny_data, tmp_path):
    """A config whose signature was trained by another still fails on a wrong in_channels."""
    cfg = Config.fromfile(osp.join(CONFIG_ROOT, 'dnc', 'dnc_lenet5_1xb128_fashion-mnist.py'))
    wrong = Config.fromfile(cfg.filename)
    wrong.model.head.in_channels = 84  # LeNet-5 gives 120
    good = shrink_config(cfg, tiny_data, str(tmp_path / 'good'))
    bad = shrink_config(wrong, tiny_data, str(tmp_path / 'bad'))
    assert run_signature(good) == run_signature(bad)
    runner, _ = build_runner_parts(good)
    try:
        assert math.isfinite(forward_one_batch(runner))
    finally:
        close_runner(runner)
    runner, _ = build_runner_parts(bad)
    try:
        with pytest.raises(Exception, match='120|84'):
            forward_one_batch(runner)
    finally:
        close_runner(runner)
