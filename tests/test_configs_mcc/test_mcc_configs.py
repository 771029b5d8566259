"""configs/mcc: every config loads, its head builds and the recipe in its name is configured
(tests/test_configs.py trains every config; tests/test_metafiles.py checks the metafile)."""

import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmpretrain.models.losses import LabelSmoothLoss
from mmpretrain.registry import MODELS

import mmproto  # noqa: F401

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
CONFIG_DIR = osp.join(ROOT, 'configs', 'mcc')
# paper-row configs; the Fashion-MNIST quick start is a short-schedule recipe
CONFIGS = sorted(p for p in glob.glob(osp.join(CONFIG_DIR, '*.py')) if 'fashion-mnist' not in p)
MC_HEADS = ('MultiCenterClsHead', 'MultiCenterArcFaceClsHead', 'MultiCenterLSoftmaxClsHead')


@pytest.fixture(scope='module', autouse=True)
def _cached_external_config_lookup():
    """mmengine parses every mmpretrain metafile for each ``mmpretrain::`` path (~1.5 s a
    lookup); the lookups here repeat, so memoise them for this module."""
    import mmengine.config.utils as cfg_utils

    original = cfg_utils._get_cfg_metainfo
    cache = {}

    def cached(package_path, cfg_path):
        key = (package_path, cfg_path)
        if key not in cache:
            try:
                cache[key] = original(package_path, cfg_path)
            except ValueError as e:  # a ``_base_`` file: mmengine falls back on the path
                cache[key] = ValueError(str(e)[:200])
        if isinstance(cache[key], ValueError):
            raise cache[key]
        return cache[key]

    cfg_utils._get_cfg_metainfo = cached
    yield
    cfg_utils._get_cfg_metainfo = original


def test_configs_found():
    assert len(CONFIGS) >= 60


@pytest.mark.parametrize('path', CONFIGS, ids=[osp.basename(p) for p in CONFIGS])
def test_config_loads_and_head_builds(path):
    cfg = Config.fromfile(path)
    assert cfg.custom_imports['imports'] == ['mmproto']
    head_cfg = cfg.model.head
    name = osp.basename(path)
    if name.startswith('mcc'):
        assert head_cfg.type in MC_HEADS
    else:
        assert head_cfg.type in ('LinearClsHead', 'VisionTransformerClsHead')
    head = MODELS.build(head_cfg)
    classes = cfg.train_dataloader.dataset.get('type')
    num_classes = 1000 if name.endswith('_in1k.py') else 100
    assert head.num_classes == num_classes == cfg.data_preprocessor.num_classes, classes
    batch, gpus = cfg.train_dataloader.batch_size, int(name.split('_')[2].split('xb')[0])
    assert gpus * batch == 1024  # the paper's batch
    # the recipe named in the file name is the one configured
    recipe = name.split('_')[2].split('-')[2:]
    smooth = isinstance(head.loss_module, LabelSmoothLoss) or getattr(head, 'label_smooth', 0) > 0
    assert smooth == ('ls' in recipe), recipe
    if not smooth:
        assert 'label_smooth_val' not in head_cfg.loss
    augments = (cfg.model.get('train_cfg') or {}).get('augments')
    assert bool(augments) == ('mixup' in recipe or 'splitmix' in recipe), recipe
    assert (getattr(head, 'mixup_mode', None) == 'split_batch') == ('splitmix' in recipe)
