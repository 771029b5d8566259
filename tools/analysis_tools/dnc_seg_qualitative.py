"""Side-by-side segmentation pictures: image | ground truth | parametric | DNC (DNC §4.2).

For a few validation images of the DNC config's ``val_dataloader`` dataset, writes one PNG per
image with four panels drawn by mmseg's ``SegLocalVisualizer`` (class colours of the dataset
palette blended with ``--alpha``), each under a title strip. ``--subcentroids`` adds a fifth
panel: which sub-centroid ``k`` of its predicted class decided each pixel (Eq. 4, at the
feature map's resolution, one colour per ``k``); ``--grid FILE`` also stacks the rows into one
picture.

Usage::

    python tools/analysis_tools/dnc_seg_qualitative.py \
        configs/dnc_seg/fcn_r101b-d8_4xb4-160k_ade20k-512x512.py fcn.pth \
        configs/dnc_seg/dnc-fcn_dnc-r101b-d8_4xb4-160k_ade20k-512x512.py dnc-fcn.pth \
        --out-dir work_dirs/qualitative --num 8 [--subcentroids] [--grid grid.png]
"""

import argparse
import os
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from PIL import Image

import mmproto  # noqa: F401  (compat shims, DNC heads)

TITLES = ('image', 'ground truth', 'parametric', 'DNC')
SUBCENTROID_TITLE = 'sub-centroid k'
TITLE_HEIGHT = 18


def parse_args(argv: Optional[Sequence[str]] = None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('param_config', help='config of the parametric segmentor')
    p.add_argument('param_checkpoint', help='its trained checkpoint')
    p.add_argument('dnc_config', help='config of the DNC segmentor')
    p.add_argument('dnc_checkpoint', help='its trained checkpoint')
    p.add_argument('--out-dir', required=True)
    p.add_argument('--num', type=int, default=4, help='first N images of the dataset')
    p.add_argument('--indices', type=int, nargs='+', help='dataset indices instead of --num')
    p.add_argument('--data-root', help='override the dataset data_root')
    p.add_argument('--device', default='cpu')
    p.add_argument('--alpha', type=float, default=0.8, help='mask opacity')
    p.add_argument('--with-labels', action='store_true', help='write class names on regions')
    p.add_argument(
        '--subcentroids', action='store_true', help='add the sub-centroid choice map panel'
    )
    p.add_argument('--grid', help='also write all rows stacked into this PNG')
    p.add_argument('--scale', type=int, default=1, help='enlarge the panels N times (small images)')
    return p.parse_args(argv)


def load_model(config: str, checkpoint: str, device: str):
    from mmseg.apis import init_model

    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint {checkpoint!r} (for {config}) does not exist')
    cfg = Config.fromfile(config)
    if 'test_pipeline' not in cfg:
        loader = cfg.get('test_dataloader', cfg.val_dataloader)
        cfg.test_pipeline = loader.dataset.pipeline
    return init_model(cfg, checkpoint, device=device)


def build_dataset(config: str, data_root: Optional[str]):
    from mmseg.registry import DATASETS

    cfg = Config.fromfile(config)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    ds_cfg = cfg.val_dataloader.dataset
    if data_root is not None:
        ds_cfg.data_root = data_root
    ds_cfg.pipeline = []
    ds_cfg.lazy_init = False
    return DATASETS.build(ds_cfg)


def load_gt(info: dict) -> np.ndarray:
    """The label map of a dataset entry as the evaluator sees it (``reduce_zero_label``)."""
    from mmseg.datasets.transforms import LoadAnnotations

    results = dict(info, seg_fields=[])
    results = LoadAnnotations(reduce_zero_label=info.get('reduce_zero_label', False))(results)
    return results['gt_seg_map']


def titled(visualizer, panel: np.ndarray, title: str) -> np.ndarray:
    strip = np.full((TITLE_HEIGHT, panel.shape[1], 3), 255, dtype=np.uint8)
    visualizer.set_image(strip)
    size = int(min(10, max(5, panel.shape[1] // 10)))  # fits 'ground truth' on small panels
    visualizer.draw_texts(title, np.array([2, 2]), colors='black', font_sizes=size)
    return np.concatenate([visualizer.get_image(), panel], axis=0)


def draw_panels(visualizer, image: np.ndarray, gt: np.ndarray, preds, with_labels: bool):
    """``[image, gt, *preds]`` drawn with the visualizer, RGB ``uint8``."""
    from mmseg.structures import SegDataSample

    panels = [image]
    for label_map in [gt, *preds]:
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(data=np.asarray(label_map)[None])
        visualizer.add_datasample(
            'panel', image, sample, draw_gt=True, draw_pred=False, with_labels=with_labels
        )
        panels.append(visualizer.get_image())
    return panels


def subcentroid_panel(model, img_path: str, image: np.ndarray, alpha: float) -> np.ndarray:
    """The image blended with one colour per sub-centroid index ``k`` that decided each pixel
    (``DNCDecodeHeadMixin.subcentroid_choice``, nearest-upsampled to the image)."""
    import torch
    import torch.nn.functional as F
    from mmcv.transforms import Compose
    from mmengine.dataset import pseudo_collate

    head = model.decode_head
    if not hasattr(head, 'subcentroid_choice'):
        raise ValueError(f'--subcentroids needs a DNC decode head, got {type(head).__name__}')
    pipeline = [t for t in model.cfg.test_pipeline if t['type'] != 'LoadAnnotations']
    data = Compose(pipeline)(dict(img_path=img_path))
    batch = model.data_preprocessor(pseudo_collate([data]), False)
    with torch.no_grad():
        _, k = head.subcentroid_choice(model.extract_feat(batch['inputs']))
    k = F.interpolate(k[:, None].float(), size=image.shape[:2], mode='nearest')[0, 0].long()
    num_k = head.classifier.bank.num_subcentroids
    from matplotlib import colormaps

    colours = (np.asarray(colormaps['tab20'](np.arange(num_k) % 20))[:, :3] * 255).astype(float)
    blended = alpha * colours[k.cpu().numpy()] + (1 - alpha) * image.astype(float)
    return np.clip(np.rint(blended), 0, 255).astype(np.uint8)


def main(argv: Optional[Sequence[str]] = None) -> List[str]:
    import mmcv
    from mmseg.apis import inference_model
    from mmseg.visualization import SegLocalVisualizer

    args = parse_args(argv)
    param = load_model(args.param_config, args.param_checkpoint, args.device)
    dnc = load_model(args.dnc_config, args.dnc_checkpoint, args.device)
    dataset = build_dataset(args.dnc_config, args.data_root)
    meta = dict(classes=dataset.metainfo['classes'], palette=dataset.metainfo['palette'])
    for model, name in ((param, args.param_config), (dnc, args.dnc_config)):
        if model.decode_head.num_classes != len(meta['classes']):
            raise ValueError(
                f'{name}: decode_head.num_classes={model.decode_head.num_classes} but the '
                f'dataset has {len(meta["classes"])} classes'
            )
    visualizer = SegLocalVisualizer(
        name='dnc_seg_qualitative', vis_backends=None, alpha=args.alpha, save_dir=None
    )
    visualizer.dataset_meta = meta
    indices = args.indices if args.indices else range(min(args.num, len(dataset)))
    os.makedirs(args.out_dir, exist_ok=True)
    written, rows = [], []
    titles = TITLES + ((SUBCENTROID_TITLE,) if args.subcentroids else ())
    for idx in indices:
        info = dataset.get_data_info(idx)
        image = mmcv.imread(info['img_path'], channel_order='rgb')
        gt = load_gt(info)
        preds = [
            inference_model(m, info['img_path']).pred_sem_seg.data[0].cpu().numpy()
            for m in (param, dnc)
        ]
        if args.scale > 1:  # nearest: every label pixel stays one block
            image, gt, *preds = (
                np.kron(a, np.ones((args.scale, args.scale) + (1,) * (a.ndim - 2), dtype=a.dtype))
                for a in (image, gt, *preds)
            )
        panels = draw_panels(visualizer, image, gt, preds, args.with_labels)
        if args.subcentroids:
            panels.append(subcentroid_panel(dnc, info['img_path'], image, args.alpha))
        row = np.concatenate([titled(visualizer, p, t) for p, t in zip(panels, titles)], axis=1)
        rows.append(row)
        out = osp.join(args.out_dir, osp.splitext(osp.basename(info['img_path']))[0] + '.png')
        Image.fromarray(row).save(out)
        written.append(out)
        print(out)
    if args.grid and rows:
        Image.fromarray(np.concatenate(rows, axis=0)).save(args.grid)
        print(args.grid)
    return written


if __name__ == '__main__':
    main()
