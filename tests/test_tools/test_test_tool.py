"""tools/test.py: evaluates a checkpoint; its top-1 equals an image-by-image prediction loop."""

import os.path as osp
import pickle

from conftest import CONFIGS, data_root_options, reference_top1, run_tool

CLS_CONFIG = osp.join(CONFIGS, 'tiny_cls.py')
SEG_CONFIG = osp.join(CONFIGS, 'tiny_seg.py')


def test_test_tool_metrics(tmp_path, tiny_cls_root, trained_cls):
    ckpt = osp.join(trained_cls, 'iter_2.pth')
    opts = ['--cfg-options', *data_root_options(tiny_cls_root)]
    metrics_file = tmp_path / 'metrics.pkl'
    run_tool(
        tmp_path,
        'tools/test.py',
        CLS_CONFIG,
        ckpt,
        '--work-dir',
        str(tmp_path / 'test'),
        '--out',
        str(metrics_file),
        '--out-item',
        'metrics',
        *opts,
    )
    with open(metrics_file, 'rb') as f:
        metrics = pickle.load(f)
    assert abs(metrics['accuracy/top1'] - reference_top1(ckpt, tiny_cls_root)) < 1e-4


def test_test_tool_segmentation(tmp_path, tiny_seg_root, trained_seg):
    opts = ['--cfg-options', *data_root_options(tiny_seg_root)]
    out_dir = tmp_path / 'masks'
    proc = run_tool(
        tmp_path,
        'tools/test.py',
        SEG_CONFIG,
        osp.join(trained_seg, 'iter_2.pth'),
        '--work-dir',
        str(tmp_path / 'seg_test'),
        '--out',
        str(out_dir),
        *opts,
    )
    assert 'mIoU' in proc.stdout + proc.stderr
    assert len(list(out_dir.glob('*.png'))) == 4
