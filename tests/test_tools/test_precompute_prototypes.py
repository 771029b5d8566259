import importlib.util
import os.path as osp
import re

import numpy as np
import pytest
import torch
from matplotlib.colors import to_rgb
from matplotlib.image import imread

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
    # 6 points in R^3: the octahedron. Measured on the saved file: every prototype has one
    # antipode (cos -1) and is orthogonal to the 4 others
    cos = (w @ w.T).sort(dim=1).values  # row i: its 5 others, then itself (1)
    torch.testing.assert_close(cos[:, 0], -torch.ones(6), atol=1e-3, rtol=0)
    torch.testing.assert_close(cos[:, 1:5], torch.zeros(6, 4), atol=1e-2, rtol=0)
    assert torch.allclose(w.norm(dim=1), torch.ones(6), atol=1e-5)
    assert abs(stats['max']) < 1e-2 and stats['min'] < -0.999
    # the printed figures are those of the file: mean over the 30 ordered pairs = -6 / 30
    text = capsys.readouterr().out
    printed = dict(re.findall(r'^(\w+) pairwise cosine: (-?[\d.]+)$', text, flags=re.M))
    off = (w @ w.T)[~torch.eye(6, dtype=torch.bool)]
    assert float(printed['max']) == pytest.approx(off.max().item(), abs=1e-4)
    assert float(printed['min']) == pytest.approx(off.min().item(), abs=1e-4)
    assert float(printed['mean']) == pytest.approx(-0.2, abs=1e-3)
    assert '300/300' in text and 'task/s' in text  # mmengine's ProgressBar over the steps
    # the histogram: 600 x 384 px (5 x 3.2 in at 120 dpi) with two bars of tab:blue, at the
    # left edge (cos -1: 6 ordered pairs) and the right edge (cos 0: 24 pairs, 4 times as tall)
    img = imread(png)
    assert img.shape[:2] == (384, 600)
    heights = (np.abs(img[..., :3] - np.array(to_rgb('tab:blue'))).max(-1) < 0.02).sum(0)
    cols = np.nonzero(heights)[0]
    left, right = cols[cols < 300], cols[cols >= 300]
    assert len(left) and len(right) and np.ptp(left) < 10 and np.ptp(right) < 10
    assert right.min() - left.max() > 400  # the two extreme bins of the range [-1, 0]
    assert heights[right].max() / heights[left].max() == pytest.approx(4, rel=0.05)
