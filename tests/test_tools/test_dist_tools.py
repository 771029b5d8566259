"""tools/dist_train.sh and dist_test.sh with 2 processes on the CPU (gloo)."""

import os
import os.path as osp
import pickle
import shutil
import subprocess
import sys

import pytest
from conftest import CONFIGS, REPO, data_root_options, reference_top1, run_tool
from helpers import find_free_port

CLS_CONFIG = osp.join(CONFIGS, 'tiny_cls.py')


@pytest.mark.dist
def test_dist_train_and_test_on_cpu(tmp_path, tiny_cls_root, trained_cls, monkeypatch):
    monkeypatch.setenv('PORT', str(find_free_port()))
    work_dir = tmp_path / 'dist'
    opts = ['--cfg-options', *data_root_options(tiny_cls_root)]
    proc = run_tool(
        tmp_path,
        'bash',
        'tools/dist_train.sh',
        CLS_CONFIG,
        '2',
        '--work-dir',
        str(work_dir),
        *opts,
    )
    log = proc.stdout + proc.stderr
    assert 'Distributed training: True' in log
    assert 'GPU number: 2' in log  # mmengine reports the world size here
    # the runtime environment and the config dump show the backend in use, not nccl
    assert "dist_cfg: {'backend': 'gloo'" in log and "'nccl'" not in log
    # no warning repeated per rank
    warning_lines = [line for line in log.splitlines() if 'Warning: ' in line]
    assert len(warning_lines) == len(set(warning_lines)), warning_lines
    assert (work_dir / 'iter_2.pth').is_file()

    # 2-process evaluation of the 1-process checkpoint: every image once, right top-1
    monkeypatch.setenv('PORT', str(find_free_port()))
    ckpt = osp.join(trained_cls, 'iter_2.pth')
    preds_file = tmp_path / 'preds.pkl'
    cmd = ['bash', 'tools/dist_test.sh', CLS_CONFIG, ckpt, '2', '--out', str(preds_file)]
    run_tool(tmp_path, *cmd, '--work-dir', str(tmp_path / 'test'), *opts)
    with open(preds_file, 'rb') as f:
        preds = pickle.load(f)
    assert len(preds) == 12
    top1 = 100.0 * sum(int(p['pred_label'] == p['gt_label']) for p in preds) / len(preds)
    assert abs(top1 - reference_top1(ckpt, tiny_cls_root)) < 1e-4


LAUNCHERS = ('dist_train.sh', 'dist_test.sh', 'slurm_train.sh', 'slurm_test.sh')
RECORDER = '#!/usr/bin/env bash\nprintf "%s\\n" "$0" "$@" > "$RECORD"\n'
FAKE_SRUN = (
    '#!/usr/bin/env bash\nprintf "%s\\n" "$@" > "$RECORD.srun"\n'
    'echo "$PYTHONPATH" > "$RECORD.pythonpath"\n'
    'while [[ "$1" == -* ]]; do [[ "$1" == -p ]] && shift; shift; done\nexec "$@"\n'
)


def _executable(path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return str(path)


def _fake_checkout(root, venv: bool):
    """The launchers (copied) in ``root/tools``, a recording ``.venv/bin/python`` if ``venv``,
    and a recording ``python`` plus a fake ``srun`` in ``root/bin``."""
    (root / 'tools').mkdir(parents=True)
    for name in (*LAUNCHERS, '_python.sh'):
        shutil.copy(osp.join(REPO, 'tools', name), root / 'tools' / name)
    if venv:
        _executable(root / '.venv' / 'bin' / 'python', RECORDER)
    _executable(root / 'bin' / 'python', RECORDER)
    _executable(root / 'bin' / 'srun', FAKE_SRUN)


def _launch(root, name: str, env_extra: dict) -> list:
    args = {
        'dist_train.sh': ['cfg.py', '2', '--amp'],
        'dist_test.sh': ['cfg.py', 'ck.pth', '2', '--tta'],
        'slurm_train.sh': ['part', 'job', 'cfg.py', 'wd', '--cfg-options', 'a=1 2'],
        'slurm_test.sh': ['part', 'job', 'cfg.py', 'ck.pth', '--tta'],
    }[name]
    record = root / 'record'
    env = {'PATH': f'{root / "bin"}:/usr/bin:/bin', 'RECORD': str(record), **env_extra}
    subprocess.run(['bash', f'tools/{name}', *args], cwd=root, env=env, check=True)
    return record.read_text().splitlines()


@pytest.mark.parametrize('name', LAUNCHERS)
def test_launcher_interpreter_choice(tmp_path, name):
    """.venv/bin/python of the script's checkout, else PYTHON if set wins, else PATH's python."""
    with_venv, without = tmp_path / 'with_venv', tmp_path / 'without'
    _fake_checkout(with_venv, venv=True)
    _fake_checkout(without, venv=False)
    assert _launch(with_venv, name, {})[0] == str(with_venv / '.venv' / 'bin' / 'python')
    assert _launch(without, name, {})[0] == str(without / 'bin' / 'python')
    other = _executable(tmp_path / 'other' / 'python', RECORDER)
    assert _launch(with_venv, name, {'PYTHON': other})[0] == other


def test_dist_launcher_multi_node_variables(tmp_path):
    _fake_checkout(tmp_path, venv=True)
    env = dict(NNODES='2', NODE_RANK='1', PORT='1234', MASTER_ADDR='10.0.0.1')
    argv = _launch(tmp_path, 'dist_train.sh', env)
    assert argv[1:] == [
        '-m',
        'torch.distributed.run',
        '--nnodes=2',
        '--node_rank=1',
        '--master_addr=10.0.0.1',
        '--nproc_per_node=2',
        '--master_port=1234',
        'tools/train.py',
        'cfg.py',
        '--launcher',
        'pytorch',
        '--amp',
    ]
    argv = _launch(tmp_path, 'dist_test.sh', {})
    assert argv[2:] == [
        'torch.distributed.run',
        '--nnodes=1',
        '--node_rank=0',
        '--master_addr=127.0.0.1',
        '--nproc_per_node=2',
        '--master_port=29500',
        'tools/test.py',
        'cfg.py',
        'ck.pth',
        '--launcher',
        'pytorch',
        '--tta',
    ]


def test_slurm_launchers_pass_srun_options(tmp_path):
    _fake_checkout(tmp_path, venv=True)
    env = dict(GPUS='16', GPUS_PER_NODE='4', CPUS_PER_TASK='3', SRUN_ARGS='--quotatype=auto')
    python = str(tmp_path / '.venv' / 'bin' / 'python')
    argv = _launch(tmp_path, 'slurm_train.sh', env)
    srun = (tmp_path / 'record.srun').read_text().splitlines()
    assert srun == [
        '-p',
        'part',
        '--job-name=job',
        '--gres=gpu:4',
        '--ntasks=16',
        '--ntasks-per-node=4',
        '--cpus-per-task=3',
        '--kill-on-bad-exit=1',
        '--quotatype=auto',
        python,
        '-u',
        'tools/train.py',
        'cfg.py',
        '--work-dir=wd',
        '--launcher=slurm',
        '--cfg-options',
        'a=1 2',  # one argument, as given
    ]
    assert argv[0] == python
    assert (tmp_path / 'record.pythonpath').read_text().startswith('tools/..:')
    _launch(tmp_path, 'slurm_test.sh', {})
    srun = (tmp_path / 'record.srun').read_text().splitlines()
    assert srun[2:7] == [
        '--job-name=job',
        '--gres=gpu:8',
        '--ntasks=8',
        '--ntasks-per-node=8',
        '--cpus-per-task=5',
    ]
    assert srun[7:] == [
        '--kill-on-bad-exit=1',
        python,
        '-u',
        'tools/test.py',
        'cfg.py',
        'ck.pth',
        '--launcher=slurm',
        '--tta',
    ]


@pytest.mark.dist
@pytest.mark.skipif(sys.prefix == sys.base_prefix, reason='needs a virtual environment')
def test_dist_train_uses_checkout_venv_with_clean_path(tmp_path, tiny_cls_root):
    """The README's setup: a checkout with its .venv, nothing on PATH, no PYTHON/PYTHONPATH:
    ``bash tools/dist_train.sh CONFIG 2`` trains with 2 processes (gloo on the CPU)."""
    checkout = tmp_path / 'checkout'
    checkout.mkdir()
    for name in ('mmproto', 'tools', 'tests'):
        os.symlink(osp.join(REPO, name), checkout / name)
    os.symlink(sys.prefix, checkout / '.venv')
    work_dir = tmp_path / 'work'
    env = {
        'PATH': '/usr/bin:/bin',
        'HOME': str(tmp_path),
        'PORT': str(find_free_port()),
        'OMP_NUM_THREADS': '1',
        'MPLCONFIGDIR': str(tmp_path / 'mpl'),
    }
    cmd = ['bash', 'tools/dist_train.sh', CLS_CONFIG, '2', '--work-dir', str(work_dir)]
    cmd += ['--cfg-options', *data_root_options(tiny_cls_root)]
    proc = subprocess.run(cmd, cwd=checkout, env=env, capture_output=True, text=True, timeout=600)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-6000:]
    # rank 0 reports a world of 2 (the gloo group formed, so rank 1 joined), and DDP steps
    # (one all-reduce per iteration with both ranks) reached the last checkpoint
    assert 'GPU number: 2' in log
    assert (work_dir / 'iter_2.pth').is_file()
