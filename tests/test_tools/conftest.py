"""Fixtures for the tool tests: tiny generated datasets and a subprocess runner for tools/."""

import importlib.util
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from helpers import make_cls_folder, make_seg_folder
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import DefaultScope
from mmengine.runner import load_checkpoint

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = osp.join(REPO, 'tests', 'data', 'configs')


def load_script(rel_path: str):
    """Import a script of this repository (e.g. ``tools/train.py``) as a module."""
    name = 'script_' + osp.splitext(rel_path)[0].replace('/', '_')
    spec = importlib.util.spec_from_file_location(name, osp.join(REPO, rel_path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tool_env(tmp_path) -> dict:
    """The environment of a tool subprocess: this checkout first on the path, one thread,
    caches inside ``tmp_path``."""
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join([REPO, env.get('PYTHONPATH', '')]).rstrip(os.pathsep)
    env.update(
        OMP_NUM_THREADS='1',
        MKL_NUM_THREADS='1',
        PYTHON=sys.executable,
        MPLCONFIGDIR=str(tmp_path / 'mpl'),
        XDG_CACHE_HOME=str(tmp_path / 'cache'),
        TORCH_HOME=str(tmp_path / 'torch'),
    )
    return env


def run_tool(tmp_path, *cmd: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``cmd`` (e.g. ``tools/train.py ...`` or ``bash tools/dist_train.sh ...``) from the
    repository root; ``.py`` scripts run with this interpreter."""
    cmd = list(cmd)
    if cmd[0].endswith('.py'):
        cmd = [sys.executable, *cmd]
    proc = subprocess.run(
        cmd, cwd=REPO, env=tool_env(tmp_path), capture_output=True, text=True, timeout=600
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f'{" ".join(cmd)} exited {proc.returncode}\n--- stdout\n{proc.stdout[-4000:]}\n'
            f'--- stderr\n{proc.stderr[-6000:]}'
        )
    return proc


def data_root_options(root: str) -> list:
    """``--cfg-options`` pointing the three dataloaders of a tiny config at ``root``."""
    return [f'{split}_dataloader.dataset.data_root={root}' for split in ('train', 'val', 'test')]


def reference_top1(ckpt: str, root: str) -> float:
    """Top-1 (%) of the checkpoint on the folder, predicted image by image."""
    from mmpretrain.registry import MODELS

    cfg = Config.fromfile(osp.join(CONFIGS, 'tiny_cls.py'))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(dict(cfg.model, data_preprocessor=cfg.data_preprocessor))
        pipeline = Compose(cfg.test_dataloader.dataset.pipeline)
    load_checkpoint(model, ckpt, map_location='cpu')
    model.eval()
    correct = total = 0
    for c in range(3):
        for i in range(4):
            sample = pipeline(dict(img_path=osp.join(root, f'class_{c}', f'img_{i}.png')))
            with torch.no_grad():
                pred = model.test_step(pseudo_collate([sample]))[0]
            correct += int(pred.pred_label.item() == c)
            total += 1
    return 100.0 * correct / total


@pytest.fixture(scope='session')
def tiny_cls_root(tmp_path_factory) -> str:
    return make_cls_folder(str(tmp_path_factory.mktemp('tiny_cls')), num_classes=3, per_class=4)


@pytest.fixture(scope='session')
def tiny_seg_root(tmp_path_factory) -> str:
    return make_seg_folder(str(tmp_path_factory.mktemp('tiny_seg')), num_classes=4, size=32)


@pytest.fixture(scope='session')
def trained_cls(tmp_path_factory, tiny_cls_root) -> str:
    """Work dir of a 2-iteration ``tools/train.py`` run of tests/data/configs/tiny_cls.py."""
    tmp = tmp_path_factory.mktemp('trained_cls')
    work_dir = tmp / 'work'
    run_tool(
        tmp,
        'tools/train.py',
        osp.join(CONFIGS, 'tiny_cls.py'),
        '--work-dir',
        str(work_dir),
        '--cfg-options',
        *data_root_options(tiny_cls_root),
    )
    return str(work_dir)


@pytest.fixture(scope='session')
def trained_seg(tmp_path_factory, tiny_seg_root) -> str:
    """Work dir of a 2-iteration ``tools/train.py`` run of tests/data/configs/tiny_seg.py."""
    tmp = tmp_path_factory.mktemp('trained_seg')
    work_dir = tmp / 'work'
    proc = run_tool(
        tmp,
        'tools/train.py',
        osp.join(CONFIGS, 'tiny_seg.py'),
        '--work-dir',
        str(work_dir),
        '--local_rank',
        '0',
        '--cfg-options',
        *data_root_options(tiny_seg_root),
    )
    (work_dir / 'train_output.txt').write_text(proc.stdout + proc.stderr)
    return str(work_dir)
