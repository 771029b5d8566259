"""``tools/benchmarks/gpu_check.sh --device cpu --smoke`` runs every step of the device check
at toy sizes and writes its markdown summary (so the GPU check cannot rot unseen)."""

import os
import os.path as osp
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
STEPS = (
    'dnc_update_and_resnet50_step',
    'dnc_memory_table24',
    'dnc_seg_head_step',
    'dl2pa_assignment',
    'mcc_head_step',
    'amp_train_50_iters',
)


@pytest.mark.slow
def test_gpu_check_smoke_mode(tmp_path):
    out = tmp_path / 'check.md'
    script = osp.join(ROOT, 'tools/benchmarks/gpu_check.sh')
    env = dict(os.environ, PYTHON=sys.executable, OMP_NUM_THREADS='1')
    proc = subprocess.run(
        ['bash', script, '--device', 'cpu', '--smoke', '--out', str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    text = out.read_text() if out.exists() else ''
    assert proc.returncode == 0, proc.stdout + proc.stderr + text
    for step in STEPS:
        assert f'## {step}: passed' in text, text
    for figure in (
        'update_to_bound_ratio_mem4: ',
        'resnet50_step_ratio_dnc_vs_linear_b2_mem4: ',
        'assignment_s_trained_c300: ',
        'amp_dnc_float16_finite: True',
        'amp_dl2pa_bfloat16_unit_norm_err: ',
        'amp_mcc_float16_finite: True',
    ):
        assert figure in text, text
    assert 'All 6 steps passed.' in text
