"""A Fashion-MNIST quick start's log holds no dependency notice a user cannot act on, and the
DL2PA one at most a few assignment lines per epoch."""

import os.path as osp

import pytest
from conftest import REPO, run_tool
from helpers import make_fashion_mnist_idx

NOISE = (
    'pkg_resources is deprecated',
    '"FileClient" will be deprecated',
    '"HardDiskBackend" is the alias',
    'The given NumPy array is not writable',
)


def _short_run(tmp_path, config: str, root: str, iters_per_epoch: int) -> str:
    proc = run_tool(
        tmp_path,
        'tools/train.py',
        osp.join(REPO, 'configs', config),
        '--work-dir',
        str(tmp_path / 'work'),
        '--cfg-options',
        *[f'{s}_dataloader.dataset.data_root={root}' for s in ('train', 'val', 'test')],
        f'train_dataloader.batch_size={64 // iters_per_epoch}',
        'train_dataloader.num_workers=0',
        'val_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'val_dataloader.persistent_workers=False',
        'test_dataloader.persistent_workers=False',
        'train_cfg.max_epochs=2',
        'default_hooks.logger.interval=1',
    )
    return proc.stdout + proc.stderr


@pytest.mark.slow
def test_dnc_quick_start_log_is_free_of_dependency_notices(tmp_path):
    root = make_fashion_mnist_idx(str(tmp_path / 'fmnist'), per_split=64)
    log = _short_run(tmp_path, 'dnc/dnc_lenet5_1xb128_fashion-mnist.py', root, 2)
    assert 'Epoch(val) [2]' in log
    for notice in NOISE:
        assert notice not in log, notice
    dumped = (tmp_path / 'work' / 'dnc_lenet5_1xb128_fashion-mnist.py').read_text()
    assert 'data/mnist' not in dumped and "dataset_type = 'FashionMNIST'" in dumped


@pytest.mark.slow
def test_dl2pa_quick_start_logs_a_few_assignment_lines_per_epoch(tmp_path):
    root = make_fashion_mnist_idx(str(tmp_path / 'fmnist'), per_split=64)
    log = _short_run(tmp_path, 'dl2pa/dl2pa_lenet5_1xb128_fashion-mnist.py', root, 8)
    lines = [line for line in log.splitlines() if 'LabelPrototypeAssignmentHook:' in line]
    assert len(lines) == 2, lines  # 8 updates in each of 2 epochs: one summary line each
    assert all('8 updates moved' in line for line in lines)
    for notice in NOISE:
        assert notice not in log, notice
