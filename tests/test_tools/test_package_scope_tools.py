"""``mmproto::`` bases in tools/train.py and tools/test.py, from a wheel (``pip install .``)
used in another directory, and through ``mim train mmproto`` (issue 11, point 2)."""

import importlib.util
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest
from conftest import REPO, run_tool, tool_env
from helpers import make_fashion_mnist_idx

BASE = 'dnc/dnc_lenet5_1xb128_fashion-mnist.py'
# 8 images, batch 4: one epoch of 2 iterations, then validation on the 8 test images
TINY = f"""_base_ = ['mmproto::{BASE}']
model = dict(head=dict(num_subcentroids=2, memory_size=16))
train_dataloader = dict(batch_size=4, num_workers=0)
val_dataloader = dict(batch_size=8, num_workers=0)
test_dataloader = dict(batch_size=8, num_workers=0)
train_cfg = dict(max_epochs=1)
param_scheduler = dict(T_max=1)
default_hooks = dict(logger=dict(interval=1))
"""


def _data_options(root: str) -> list:
    return [f'{s}_dataloader.dataset.data_root={root}' for s in ('train', 'val', 'test')]


@pytest.mark.slow
def test_train_and_test_tools_with_mmproto_base(tmp_path):
    data = make_fashion_mnist_idx(str(tmp_path / 'fmnist'))
    cfg = tmp_path / 'elsewhere' / 'user_dnc.py'  # a config outside the repository
    cfg.parent.mkdir()
    cfg.write_text(TINY)
    work = tmp_path / 'work'
    opts = ['--cfg-options', *_data_options(data)]
    proc = run_tool(tmp_path, 'tools/train.py', str(cfg), '--work-dir', str(work), *opts)
    assert 'Epoch(val) [1][1/1]' in proc.stdout + proc.stderr
    assert (work / 'epoch_1.pth').is_file()
    dumped = (work / 'user_dnc.py').read_text()
    assert "type='DNCHead'" in dumped and 'num_subcentroids=2' in dumped
    proc = run_tool(tmp_path, 'tools/test.py', str(cfg), str(work / 'epoch_1.pth'), *opts)
    assert 'Epoch(test) [1/1]' in proc.stdout + proc.stderr


def _build_wheel_install(tmp_path) -> str:
    """``pip wheel`` of a copy of the sources (the build writes mmproto/.mim, build/ and
    *.egg-info into its tree), installed with ``--target``; nothing is downloaded."""
    src = tmp_path / 'src'
    src.mkdir()
    ignore = shutil.ignore_patterns('__pycache__', '.mim', '*.egg-info')
    for name in ('setup.py', 'pyproject.toml', 'README.md', 'model-index.yml'):
        shutil.copy(osp.join(REPO, name), src / name)
    for name in ('mmproto', 'configs', 'tools', 'requirements'):
        shutil.copytree(osp.join(REPO, name), src / name, ignore=ignore)
    pip = [sys.executable, '-m', 'pip', '--disable-pip-version-check', '-q']
    env = dict(os.environ, PIP_NO_INDEX='1')
    subprocess.run(
        [*pip, 'wheel', '.', '--no-deps', '--no-build-isolation', '-w', str(tmp_path / 'whl')],
        cwd=src,
        env=env,
        check=True,
        capture_output=True,
    )
    (wheel,) = (tmp_path / 'whl').iterdir()
    target = tmp_path / 'site'
    subprocess.run(
        [*pip, 'install', '--no-deps', '--target', str(target), str(wheel)],
        env=env,
        check=True,
        capture_output=True,
    )
    return str(target)


def _installed_env(tmp_path, target: str) -> dict:
    """The wheel first on the path; no checkout on it."""
    env = tool_env(tmp_path)
    env['PYTHONPATH'] = target
    return env


@pytest.mark.slow
def test_wheel_install_resolves_mmproto_bases_from_another_directory(tmp_path):
    target = _build_wheel_install(tmp_path)
    installed = osp.join(target, 'mmproto', '.mim')
    assert osp.isfile(osp.join(installed, 'configs', BASE))
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    (elsewhere / 'user.py').write_text(TINY)
    env = _installed_env(tmp_path, target)
    has_mim = importlib.util.find_spec('mim') is not None
    if not has_mim:  # the same check mim's run below makes, without training
        code = (
            'import mmproto; from mmengine.config import Config; '
            "cfg = Config.fromfile('user.py'); "
            "print('HEAD', cfg.model.head.type, cfg.model.head.num_subcentroids, mmproto.__file__)"
        )
        proc = _run([sys.executable, '-c', code], elsewhere, env)
        assert f'HEAD DNCHead 2 {osp.join(target, "mmproto", "__init__.py")}' in proc.stdout
        pytest.skip('openmim is not installed (requirements/pinned.txt installs it)')

    env['PYTHONPATH'] += os.pathsep + osp.dirname(
        osp.dirname(importlib.util.find_spec('mim').origin)
    )
    # what mim train looks up: the installed package, a config by name in its .mim/configs
    code = (
        'import importlib.util; from mim.utils import get_installed_path, recursively_find; '
        "root = get_installed_path('mmproto'); print('ROOT', root); "
        "print('SPEC', importlib.util.find_spec('mmproto').origin); "
        f"print('FOUND', recursively_find(root, '{osp.basename(BASE)}', followlinks=True))"
    )
    proc = _run([sys.executable, '-c', code], elsewhere, env)
    assert f'ROOT {osp.join(target, "mmproto")}' in proc.stdout
    assert f'SPEC {osp.join(target, "mmproto", "__init__.py")}' in proc.stdout
    assert f"FOUND ['{osp.join(installed, 'configs', BASE)}']" in proc.stdout

    # mim train mmproto: the user's config (mmproto:: base) through the package's
    # .mim/tools/train.py, one epoch of 2 iterations on generated Fashion-MNIST files
    data = make_fashion_mnist_idx(str(tmp_path / 'fmnist'))
    work = tmp_path / 'work'
    cmd = [sys.executable, '-m', 'mim', 'train', 'mmproto', 'user.py', '--work-dir', str(work)]
    proc = _run([*cmd, '--cfg-options', *_data_options(data)], elsewhere, env)
    out = proc.stdout + proc.stderr
    assert f'Training command is {sys.executable} {osp.join(installed, "tools", "train.py")}' in out
    assert 'Epoch(val) [1][1/1]' in out
    assert (work / 'epoch_1.pth').is_file()


def _run(cmd: list, cwd, env: dict) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-6000:]
    return proc
