import importlib.util
import os.path as osp

import torch

from mmproto.engine.hooks.prototype_precompute_hook import load_prototype_file

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _tool():
    spec = importlib.util.spec_from_file_location(
        'precompute_prototypes', osp.join(ROOT, 'tools', 'precompute_prototypes.py')
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_precompute_tool_writes_file_stats_and_plot(tmp_path, capsys):
    out = str(tmp_path / 'w.pth')
    png = str(tmp_path / 'hist.png')
    stats = _tool().main(
        ['--num-classes', '6', '--dim', '3', '--iters', '300', '--out', out, '--plot', png]
    )
    w = load_prototype_file(out, 6, 3)
    assert osp.getsize(png) > 1000
    # 6 points in R^3: the octahedron (max cosine 0, min -1)
    assert abs(stats['max']) < 1e-2 and stats['min'] < -0.999
    assert torch.allclose(w.norm(dim=1), torch.ones(6), atol=1e-5)
    text = capsys.readouterr().out
    assert 'max pairwise cosine' in text and 'min pairwise cosine' in text
    assert '300/300' in text and 'task/s' in text  # mmengine's ProgressBar over the steps
