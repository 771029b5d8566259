"""``tools/train.py CONFIG --head dnc`` trains; the config ``tools/misc/print_config.py --head
dnc --out`` writes trains with mmpretrain's own tools/train.py (issue 11, point 5)."""

import os.path as osp

import mmpretrain
import pytest
import torch
from conftest import CONFIGS, data_root_options, run_tool

CLS_CONFIG = osp.join(CONFIGS, 'tiny_cls.py')


def _dnc_state(ckpt: str) -> dict:
    state = torch.load(ckpt, map_location='cpu', weights_only=False)['state_dict']
    assert state['head.classifier.bank.prototypes'].shape == (3, 4, 120)  # C, K, in_channels
    assert state['head.classifier.bank.memory.features'].shape == (8, 120)
    return state


@pytest.mark.slow
def test_train_with_head_swap(tmp_path, tiny_cls_root):
    work = tmp_path / 'work'
    proc = run_tool(
        tmp_path,
        'tools/train.py',
        CLS_CONFIG,
        '--head',
        'dnc',
        '--work-dir',
        str(work),
        '--cfg-options',
        *data_root_options(tiny_cls_root),
        'model.head.memory_size=8',  # applied after the swap
    )
    out = proc.stdout + proc.stderr
    assert (
        '--head dnc (mmproto::dnc/_base_/head_swap.py): model.head LinearClsHead -> DNCHead' in out
    )
    state = _dnc_state(str(work / 'iter_2.pth'))
    # SubCentroidUpdateHook ran after both iterations
    assert int(state['head.classifier.bank.num_updates']) == 2
    assert bool(state['head.classifier.bank.initialized'].any())
    dumped = (work / 'tiny_cls.py').read_text()
    assert "type='DNCHead'" in dumped and "type='SubCentroidUpdateHook'" in dumped


@pytest.mark.slow
def test_flattened_config_trains_with_mmpretrain_tools(tmp_path, tiny_cls_root):
    flat = tmp_path / 'tiny_cls_dnc.py'
    run_tool(
        tmp_path,
        'tools/misc/print_config.py',
        CLS_CONFIG,
        '--head',
        'dnc',
        '--out',
        str(flat),
        '--cfg-options',
        *data_root_options(tiny_cls_root),
        'model.head.memory_size=8',
    )
    assert 'mmproto::' not in flat.read_text() and 'mmpretrain::' not in flat.read_text()
    upstream = osp.join(osp.dirname(mmpretrain.__file__), '.mim', 'tools', 'train.py')
    work = tmp_path / 'work'
    run_tool(tmp_path, upstream, str(flat), '--work-dir', str(work), '--no-persistent-workers')
    _dnc_state(str(work / 'iter_2.pth'))
