"""``tools/analysis_tools/dnc_seg_qualitative.py`` writes image | GT | parametric | DNC panels."""

import os.path as osp

import numpy as np
import pytest
import torch
from conftest import load_script
from helpers import make_seg_folder, tiny_seg_runner_cfg, tiny_segmentor_cfg
from mmengine.config import Config
from PIL import Image

import mmproto  # noqa: F401


def _tool():
    return load_script('tools/analysis_tools/dnc_seg_qualitative.py')


def _config_and_checkpoint(tmp_path, data_root, head, seed):
    from mmengine.registry import DefaultScope
    from mmseg.registry import MODELS

    cfg = Config(tiny_seg_runner_cfg(str(tmp_path / head), data_root, tiny_segmentor_cfg(head)))
    cfg_path = str(tmp_path / f'{head}.py')
    cfg.dump(cfg_path)
    torch.manual_seed(seed)
    with DefaultScope.overwrite_default_scope('mmseg'):
        model = MODELS.build(cfg.model)
    meta = dict(dataset_meta=dict(classes=('a', 'b', 'c', 'd')))
    ckpt = str(tmp_path / f'{head}.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=meta), ckpt)
    return cfg_path, ckpt


def test_side_by_side_pictures(tmp_path):
    tool = _tool()
    data_root = make_seg_folder(str(tmp_path / 'data'), num_images=3, ignore_ratio=0.2)
    param_cfg, param_ckpt = _config_and_checkpoint(tmp_path, data_root, 'FCNHead', 0)
    dnc_cfg, dnc_ckpt = _config_and_checkpoint(tmp_path, data_root, 'DNCFCNHead', 1)
    out_dir = str(tmp_path / 'pics')
    written = tool.main(
        [param_cfg, param_ckpt, dnc_cfg, dnc_ckpt, '--out-dir', out_dir, '--num', '2',
         '--alpha', '1.0']
    )  # fmt: skip
    assert [osp.basename(p) for p in written] == ['0.png', '1.png']

    pic = np.asarray(Image.open(written[0]).convert('RGB'))
    h, w = 32 + tool.TITLE_HEIGHT, 32
    assert pic.shape == (h, 4 * w, 3)
    panels = [pic[tool.TITLE_HEIGHT :, i * w : (i + 1) * w] for i in range(4)]
    image = np.asarray(Image.open(osp.join(data_root, 'img_dir', '0.jpg')).convert('RGB'))
    assert np.array_equal(panels[0], image)

    dataset = tool.build_dataset(dnc_cfg, None)
    palette = np.asarray(dataset.metainfo['palette'], dtype=np.uint8)
    gt = np.asarray(Image.open(osp.join(data_root, 'ann_dir', '0.png')))
    labelled = gt != 255
    assert np.array_equal(panels[1][labelled], palette[gt[labelled]])  # alpha 1: pure colours
    assert (panels[1][~labelled] == 0).all()  # ignore: no colour, image * (1 - alpha)

    from mmseg.apis import inference_model

    for panel, (cfg, ckpt) in zip(panels[2:], [(param_cfg, param_ckpt), (dnc_cfg, dnc_ckpt)]):
        model = tool.load_model(cfg, ckpt, 'cpu')
        pred = inference_model(model, osp.join(data_root, 'img_dir', '0.jpg'))
        pred = pred.pred_sem_seg.data[0].numpy()
        assert np.array_equal(panel, palette[pred])


def test_missing_checkpoint(tmp_path):
    tool = _tool()
    data_root = make_seg_folder(str(tmp_path / 'data'), num_images=1)
    cfg, ckpt = _config_and_checkpoint(tmp_path, data_root, 'DNCFCNHead', 0)
    with pytest.raises(FileNotFoundError, match='does not exist'):
        tool.main([cfg, str(tmp_path / 'none.pth'), cfg, ckpt, '--out-dir', str(tmp_path)])


def test_subcentroid_panel_grid_and_scale(tmp_path):
    """``--subcentroids``: a fifth panel, one colour per sub-centroid k that decided each pixel
    (``subcentroid_choice``, nearest-upsampled); ``--scale`` enlarges; ``--grid`` stacks rows."""
    tool = _tool()
    data_root = make_seg_folder(str(tmp_path / 'data'), num_images=2)
    param_cfg, param_ckpt = _config_and_checkpoint(tmp_path, data_root, 'FCNHead', 0)
    dnc_cfg, dnc_ckpt = _config_and_checkpoint(tmp_path, data_root, 'DNCFCNHead', 1)
    grid = str(tmp_path / 'grid.png')
    tool.main(
        [param_cfg, param_ckpt, dnc_cfg, dnc_ckpt, '--out-dir', str(tmp_path / 'pics'), '--num',
         '2', '--alpha', '1.0', '--subcentroids', '--scale', '2', '--grid', grid]
    )  # fmt: skip
    pic = np.asarray(Image.open(grid).convert('RGB'))
    h, w = 64 + tool.TITLE_HEIGHT, 64
    assert pic.shape == (2 * h, 5 * w, 3)
    panel = pic[tool.TITLE_HEIGHT : h, 4 * w :]

    from mmcv.transforms import Compose
    from mmengine.dataset import pseudo_collate

    model = tool.load_model(dnc_cfg, dnc_ckpt, 'cpu')
    pipeline = [t for t in model.cfg.test_pipeline if t['type'] != 'LoadAnnotations']
    data = Compose(pipeline)(dict(img_path=osp.join(data_root, 'img_dir', '0.jpg')))
    batch = model.data_preprocessor(pseudo_collate([data]), False)
    with torch.no_grad():
        _, k = model.decode_head.subcentroid_choice(model.extract_feat(batch['inputs']))
    k = torch.nn.functional.interpolate(k[:, None].float(), size=(64, 64), mode='nearest')
    k = k[0, 0].long().numpy()
    colours = {tuple(panel[y, x]) for y, x in zip(*np.nonzero(k == k[0, 0]))}
    assert len(colours) == 1  # alpha 1: one colour per k
    others = {tuple(panel[y, x]) for y, x in zip(*np.nonzero(k != k[0, 0]))}
    assert colours.isdisjoint(others)
