"""``tools/benchmarks/gpu_check.sh --device cpu --smoke`` runs every step of the device check
at toy sizes and writes its markdown summary (so the GPU check cannot rot unseen)."""

import os
import os.path as osp
import re
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
    assert 'All 6 steps passed.' in text
    fig = dict(re.findall(r'^(\w+): (\S+)$', text, flags=re.M))
    # DNC state at the smoke sizes (C=10, K=4, D=64, 16 samples a batch), counted by hand:
    # sub-centroids fp32 + valid + initialized (bool) + num_updates (int64); per memory
    # sample its feature, label (int64) and correct flag, + the pointer (int64)
    bank = 10 * 4 * 64 * 4 + 10 * 4 + 10 + 8
    for dtype, size in (('float32', 4), ('float16', 2)):
        for batches in (4, 1000):
            memory = batches * 16 * (64 * size + 8 + 1) + 8
            assert int(fig[f'state_bytes_{dtype}_mem{batches}']) == bank + memory
    assert int(fig['state_bytes_float32_mem0']) == bank
    k1_bank = 10 * 1 * 64 * 4 + 10 + 10 + 8  # Table 24a row K = 1, against K = 4
    full_memory = 1000 * 16 * (64 * 4 + 8 + 1) + 8
    assert float(fig['state_ratio_vs_K4_mem1000_K1_mem1000']) == pytest.approx(
        (k1_bank + full_memory) / (bank + full_memory), abs=5e-4
    )
    assert float(fig['paper_ratio_vs_K4_mem1000_K1_mem1000']) == pytest.approx(
        16.07 / 26.31, abs=5e-4
    )
    # the vectorised seg update equals Alg. 1 written per class; MCC deploys as a linear head
    assert float(fig['update_max_abs_diff_vs_loop']) < 1e-5
    assert 0 < float(fig['update_fraction_moved']) <= 1
    assert float(fig['eval_flops_ratio']) == 1.0 and float(fig['eval_params_ratio']) == 1.0
    for name in ('resnet50_step_ratio_dnc_vs_linear_b2_mem4', 'update_to_bound_ratio_mem4'):
        assert float(fig[name]) > 0  # measured (a ratio of times: no fixed value)
    for method, dtype in [(m, d) for m in ('dnc', 'dl2pa', 'mcc') for d in ('float16', 'bfloat16')]:
        assert fig[f'amp_{method}_{dtype}_finite'] == 'True'
        assert float(fig[f'amp_{method}_{dtype}_last_loss']) > 0
        if method != 'mcc':  # sub-centroids / prototypes stay on the unit sphere
            assert float(fig[f'amp_{method}_{dtype}_unit_norm_err']) < 1e-3
    assert float(fig['assignment_s_trained_c300']) >= 0
