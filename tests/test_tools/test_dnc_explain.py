"""tools/analysis_tools/dnc_explain.py writes the three pictures from a tiny checkpoint."""

import importlib.util
import os.path as osp

import numpy as np
import pytest
import torch
from helpers import make_cls_folder, tiny_cls_cfg
from mmengine.config import Config
from mmengine.runner import Runner
from PIL import Image

TOOL = osp.join(osp.dirname(__file__), '..', '..', 'tools', 'analysis_tools', 'dnc_explain.py')


def load_tool():
    spec = importlib.util.spec_from_file_location('dnc_explain', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tiny_config(root, work_dir, anchor: bool):
    hooks = [dict(type='SubCentroidUpdateHook')]
    if anchor:
        hooks.append(dict(type='SubCentroidAnchorHook', anchor_epoch=1))
    head = dict(type='DNCHead', num_classes=5, in_channels=64, num_subcentroids=2)
    return Config(tiny_cls_cfg(root, work_dir, head, hooks).to_dict())


@pytest.mark.parametrize('anchor', [True, False])
def test_writes_three_pictures(tmp_path, anchor, capsys):
    root = make_cls_folder(str(tmp_path / 'data'), num_classes=5, per_class=4, size=16)
    cfg = tiny_config(root, str(tmp_path / 'work'), anchor)
    Runner.from_cfg(cfg.copy()).train()
    cfg_path = str(tmp_path / 'cfg.py')
    cfg.dump(cfg_path)
    out_dir = str(tmp_path / 'explain')
    result = load_tool().main(
        [cfg_path, osp.join(cfg.work_dir, 'epoch_2.pth'), '--out-dir', out_dir,
         '--query-index', '0', '7', '--rule-class', '2', '--classes', '0', '2', '4']
    )  # fmt: skip
    assert ('SubCentroidAnchorHook' in result['source']) == anchor
    assert 'task/s' in capsys.readouterr().out  # mmengine progress bar (search / embedding)
    names = ['subcentroids.png', 'rule_2.png', 'explanation_0.png', 'explanation_7.png']
    for name in names:
        img = np.asarray(Image.open(osp.join(out_dir, name)))
        assert img.ndim == 3 and img.shape[0] > 100 and img.shape[1] > 100
        assert img.std() > 5  # not a blank canvas
    rule = open(osp.join(out_dir, 'rule_2.txt'), encoding='utf-8').read()
    # Eq. 10: K=2 conjunctions over T = 4 other classes x 2 sub-centroid images
    assert rule.startswith('IF (') and rule.count(' OR (') == 1
    assert rule.count('> [I, Ǐ') == 2 * 8 and 'THEN (class_2)' in rule
    assert 'the rule' in rule


def test_bad_class_is_named(tmp_path):
    root = make_cls_folder(str(tmp_path / 'data'), num_classes=5, per_class=4, size=16)
    cfg = tiny_config(root, str(tmp_path / 'work'), anchor=True)
    Runner.from_cfg(cfg.copy()).train()
    cfg_path = str(tmp_path / 'cfg.py')
    cfg.dump(cfg_path)
    ckpt = osp.join(cfg.work_dir, 'epoch_2.pth')
    assert torch.load(ckpt, weights_only=False)['subcentroid_anchors']['index'].shape == (5, 2)
    with pytest.raises(ValueError, match='--rule-class 9'):
        load_tool().main([cfg_path, ckpt, '--out-dir', str(tmp_path / 'o'), '--rule-class', '9'])
