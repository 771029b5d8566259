"""``tools/train.py CONFIG --head dnc`` trains; the config ``tools/misc/print_config.py --head
dnc --out`` writes trains with mmpretrain's own tools/train.py."""

import os.path as osp
import subprocess
import sys

import mmpretrain
import pytest
import torch
from conftest import CONFIGS, data_root_options, run_tool, tool_env

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


RUNNER_ONLY = """
import sys
from mmengine.config import Config
from mmengine.runner import Runner
import torch
assert 'mmproto' not in sys.modules
cfg = Config.fromfile(sys.argv[1])  # custom_imports: imports mmproto
assert 'mmproto' in sys.modules
cfg.work_dir = sys.argv[2]
runner = Runner.from_cfg(cfg)
model = runner.model
assert type(model.head).__name__ == 'DNCHead', type(model.head)
from mmpretrain.structures import DataSample
data = dict(inputs=[torch.randint(0, 255, (3, 32, 32), dtype=torch.uint8) for _ in range(2)],
            data_samples=[DataSample().set_gt_label(i) for i in range(2)])
assert 'SubCentroidUpdateHook' in [type(h).__name__ for h in runner.hooks]
model.eval()
preds = model.val_step(data)
assert len(preds) == 2 and preds[0].pred_score.shape == (1000,)
print('built', type(model.head).__name__, model.head.classifier.bank.prototypes.shape)
"""


def test_flattened_upstream_head_swap_builds_without_importing_mmproto(tmp_path):
    """An upstream config (no custom_imports of its own), swapped and flattened, builds and
    predicts with mmengine's Runner in a process that never imports mmproto itself."""
    flat = tmp_path / 'flat.py'
    run_tool(
        tmp_path,
        'tools/misc/print_config.py',
        'mmpretrain::resnet/resnet18_8xb32_in1k.py',
        '--head',
        'dnc',
        '--out',
        str(flat),
        '--cfg-options',
        'model.head.memory_size=4',
    )
    text = flat.read_text()
    assert 'custom_imports = dict(' in text and "'mmproto'" in text
    script = tmp_path / 'build.py'
    script.write_text(RUNNER_ONLY)
    proc = subprocess.run(
        [sys.executable, str(script), str(flat), str(tmp_path / 'work')],
        cwd=str(tmp_path),
        env=tool_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert 'built DNCHead torch.Size([1000, 4, 512])' in proc.stdout
