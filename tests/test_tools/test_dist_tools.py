"""tools/dist_train.sh and dist_test.sh with 2 processes on the CPU (gloo)."""

import os.path as osp
import pickle

import pytest
from conftest import CONFIGS, data_root_options, reference_top1, run_tool

from mmproto.testing import find_free_port

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
