"""Explain a trained DNC classifier with real training images (§4.3, App. L, DNC).

Writes three kinds of PNG (plus the rule as text) to ``--out-dir``:

* ``subcentroids.png``: the sub-centroid image of every sub-centroid of the chosen classes
  (Fig. 3 top, Fig. 5);
* ``rule_<class>.png`` / ``.txt``: the IF...THEN rule of a class (Eq. 9-10, Fig. 3 bottom);
* ``explanation_<index>.png``: for a test image, the closest sub-centroid image of each of the
  top-4 classes with its cosine and the normalised similarity (the model's softmax over the
  top-4 classes, i.e. over their scaled nearest-sub-centroid cosines) as bars (Fig. 4, 6).

Sub-centroid images are the anchors saved by ``SubCentroidAnchorHook`` (Table 4 models); for a
model trained without anchoring, each sub-centroid's nearest training image (cosine, same class)
is searched with one pass over the training set.

Example (CPU, Fashion-MNIST)::

    python tools/analysis_tools/dnc_explain.py configs/dnc/<config>.py <checkpoint>.pth \\
        --out-dir work_dirs/explain --query-index 0 1 --rule-class 0
"""

import argparse
import os
import os.path as osp
from typing import List, Optional

import numpy as np
import torch

import mmproto  # noqa: F401  (compat shims, registries)  # isort: skip
from mmengine.config import Config, DictAction

from mmproto.utils import add_trust_arg, apply_trust


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Explain a DNC classifier with training images')
    parser.add_argument('config', help='config file of the model')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out-dir', help='where the PNGs go (default: work_dirs/<config name>/explain)'
    )
    parser.add_argument(
        '--classes', type=int, nargs='+', default=None,
        help='classes of the sub-centroid grid (default: the first 10)',
    )  # fmt: skip
    parser.add_argument('--rule-class', type=int, default=0, help='class whose rule is drawn')
    parser.add_argument(
        '--query-index', type=int, nargs='*', default=[0],
        help='indices into the test set of the images to explain',
    )  # fmt: skip
    parser.add_argument('--topk', type=int, default=4, help='classes per explanation (paper: 4)')
    parser.add_argument(
        '--max-batches', type=int, default=None,
        help='limit the nearest-image search to this many training batches',
    )  # fmt: skip
    parser.add_argument('--batch-size', type=int, default=None, help='batch size of the search')
    parser.add_argument('--device', default='cpu', help='device, e.g. cpu or cuda:0')
    parser.add_argument('--show', action='store_true', help='also display the pictures')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config entries, e.g. train_dataloader.batch_size=64',
    )  # fmt: skip
    add_trust_arg(parser)
    args = parser.parse_args(argv)
    apply_trust(args=args)
    if args.out_dir is None:
        name = osp.splitext(osp.basename(args.config))[0]
        args.out_dir = osp.join('work_dirs', name, 'explain')
    return args


SUBCENTROID_NOTE = (
    'Each image stands in for one sub-centroid k of its class: the training image whose feature '
    'is nearest to it{how}.\n'
    '#: its index in the training set; cos: cosine similarity of its feature to the\n'
    'sub-centroid (1 = same direction, 0 = unrelated).'
)
LAYERNORM_WARNING = (
    'warning: this model scores with logit_norm={norm!r}: a learnable per-class LayerNorm over '
    'the class scores can change the argmax, so its prediction need not be the class of the '
    'nearest sub-centroid that these pictures show (docs/dnc.md). For explanations train with '
    "logit_norm='temperature' (DNCHead's default)."
)


def raw_image(dataset, index: int) -> np.ndarray:
    """The stored image of a sample (RGB or grey), before any transform."""
    import mmcv

    info = dataset.get_data_info(int(index))
    if info.get('img') is not None:
        return np.asarray(info['img'])
    if info.get('img_path'):
        return mmcv.imread(info['img_path'], channel_order='rgb')
    raise KeyError(f'sample {index} has neither "img" nor "img_path"')


def load_model(cfg: Config, args: argparse.Namespace):
    """The model of ``cfg`` with the checkpoint's weights; returns (model, checkpoint)."""
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint
    from mmpretrain.registry import MODELS

    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    device = torch.device(args.device)
    model_cfg = cfg.model.copy()
    if cfg.get('data_preprocessor'):  # as Runner does: top-level preprocessor -> model
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    model = MODELS.build(model_cfg).to(device)
    checkpoint = load_checkpoint(model, args.checkpoint, map_location=device, logger='silent')
    model.eval()
    return model, checkpoint


def warn_layernorm(model) -> Optional[str]:
    """The warning for a head whose logit normalisation breaks the nearest-sub-centroid
    reading (``logit_norm='layernorm'``), printed; None otherwise."""
    from mmproto.engine.subcentroid_images import find_subcentroid_classifier

    norm = getattr(find_subcentroid_classifier(model)[1], 'logit_norm', None)
    if norm != 'layernorm':
        return None
    message = LAYERNORM_WARNING.format(norm=norm)
    print(message)
    return message


def subcentroid_images(model, cfg: Config, checkpoint: dict, args) -> dict:
    """Sub-centroid images (anchors or a search now), their features, thumbnails, names."""
    from mmengine.runner import Runner
    from mmpretrain.registry import DATASETS

    from mmproto.engine.hooks.subcentroid_anchor_hook import CKPT_KEY
    from mmproto.engine.subcentroid_images import (
        anchoring_loader_cfg,
        embed_samples,
        find_subcentroid_classifier,
        nearest_training_samples,
    )

    _, classifier = find_subcentroid_classifier(model)
    bank = classifier.bank
    valid = bank.valid.cpu()
    num_classes, num_sub = valid.shape
    loader_cfg = anchoring_loader_cfg(cfg)
    loader_cfg.update(num_workers=0)
    if args.batch_size:
        loader_cfg['batch_size'] = args.batch_size
    state = checkpoint.get(CKPT_KEY)
    if state is not None:
        anchor_idx = state['index'].long()
        source = f'anchors saved by SubCentroidAnchorHook (epoch {state.get("anchor_epoch")})'
        train_set = DATASETS.build(loader_cfg['dataset'])
    else:
        loader = Runner.build_dataloader(loader_cfg)
        train_set = loader.dataset
        print('searching the training set for the image nearest to each sub-centroid')
        _, anchor_idx = nearest_training_samples(model, loader, args.max_batches)
        anchor_idx = anchor_idx.cpu()
        source = 'nearest training image of each sub-centroid (searched now)'
    has = (anchor_idx >= 0) & valid
    # features of the sub-centroid images: [I, Î] is the DNC similarity of two images
    flat = anchor_idx[has].tolist()
    image_feats = torch.zeros(num_classes, num_sub, bank.embed_dim)
    if flat:
        image_feats[has] = embed_samples(model, train_set, flat, progress=True).cpu()
    names = list(train_set.metainfo.get('classes') or [str(c) for c in range(num_classes)])
    thumbs = {
        (c, k): raw_image(train_set, anchor_idx[c, k])
        for c in range(num_classes) for k in range(num_sub) if has[c, k]
    }  # fmt: skip
    return dict(
        bank=bank, anchor_idx=anchor_idx, has=has, image_feats=image_feats, names=names,
        thumbs=thumbs, source=source, anchored=state is not None,
    )  # fmt: skip


def draw_subcentroids(vis, sc: dict, args) -> str:
    """``subcentroids.png`` (Fig. 3 top, Fig. 5); returns its path."""
    num_classes, num_sub = sc['has'].shape
    classes = args.classes if args.classes is not None else list(range(min(num_classes, 10)))
    for c in classes:
        if not 0 <= c < num_classes:
            raise ValueError(f'--classes: class {c} outside [0, {num_classes})')
    has, anchor_idx = sc['has'], sc['anchor_idx']
    protos = sc['bank'].prototypes.detach().cpu().float()
    cos = (sc['image_feats'] * protos).sum(-1)
    grid = [[sc['thumbs'].get((c, k)) for k in range(num_sub)] for c in classes]
    captions = [
        [f'#{int(anchor_idx[c, k])} cos {float(cos[c, k]):.2f}' if has[c, k] else '' for k in
         range(num_sub)] for c in classes
    ]  # fmt: skip
    how = ' when it was anchored (SubCentroidAnchorHook)' if sc['anchored'] else ''
    path = osp.join(args.out_dir, 'subcentroids.png')
    vis.visualize_subcentroids(
        grid,
        [sc['names'][c] for c in classes],
        captions,
        title=SUBCENTROID_NOTE.format(how=how),
        show=args.show,
        out_file=path,
    )
    return path


def embed_queries(model, bank, image_feats, test_set, args) -> list:
    """(index, feature, label, prediction, sims to sub-centroid images, sims to sub-centroids)
    of every ``--query-index``."""
    from mmengine.dataset import pseudo_collate

    from mmproto.engine.subcentroid_images import embed_batch, eval_mode

    explanations = []
    for qi in args.query_index:
        if not 0 <= qi < len(test_set):
            raise ValueError(f'--query-index {qi} outside the test set [0, {len(test_set)})')
        with eval_mode(model):
            data = pseudo_collate([test_set[qi]])
            x, label, _ = embed_batch(model, data)
            pred = model.predict(model.data_preprocessor(data, False)['inputs'])[0]
        x = x.cpu()[0]
        sims_img = image_feats @ x  # [C, K] similarity of the query to each sub-centroid image
        protos_device = bank.prototypes.device
        sims_proto = bank.similarity(x[None].to(protos_device))[0].cpu()
        explanations.append((qi, x, int(label[0]), pred, sims_img, sims_proto))
    return explanations


def draw_rule(vis, sc: dict, explanations: list, args) -> List[str]:
    """``rule_<c>.png`` and ``.txt``: the IF...THEN rule of a class (Eq. 9-10)."""
    from mmproto.visualization import format_if_then_rule, rule_fires, rule_legend

    c, names, has, anchor_idx = args.rule_class, sc['names'], sc['has'], sc['anchor_idx']
    num_classes, num_sub = has.shape
    if not 0 <= c < num_classes:
        raise ValueError(f'--rule-class {c} outside [0, {num_classes})')
    own = [k for k in range(num_sub) if has[c, k]]
    others = [(o, k) for o in range(num_classes) for k in range(num_sub) if o != c and has[o, k]]
    if not own or not others:
        raise ValueError(f'class {c} or the other classes have no sub-centroid image')
    verdict = ''
    if explanations:
        qi, _, gt, pred, sims_img, _ = explanations[0]
        fires, k_win = rule_fires(sims_img, has, c)
        verdict = (
            f'Query test #{qi} (label {names[gt]}, predicted {names[int(pred.pred_label)]}): the '
            f'rule {"FIRES via Î" + str(own.index(k_win) + 1) if fires else "does not fire"}.'
        )
    rule_short = format_if_then_rule(names[c], len(own), len(others), max_terms=4)
    rule_full = format_if_then_rule(names[c], len(own), len(others))
    legend = rule_legend(
        names[c],
        [(k, f'train #{int(anchor_idx[c, k])}') for k in own],
        [(names[o], k, f'train #{int(anchor_idx[o, k])}') for o, k in others],
    )
    txt = osp.join(args.out_dir, f'rule_{c}.txt')
    with open(txt, 'w', encoding='utf-8') as f:
        f.write(rule_full + '\n\n' + legend + '\n' + (verdict + '\n' if verdict else ''))
    path = osp.join(args.out_dir, f'rule_{c}.png')
    vis.visualize_rule(
        names[c],
        [sc['thumbs'][(c, k)] for k in own],
        [sc['thumbs'][(o, k)] for o, k in others],
        [names[o] for o, _ in others],
        rule_short,
        verdict=verdict,
        show=args.show,
        out_file=path,
    )
    return [path, txt]


def draw_explanations(vis, sc: dict, explanations: list, test_set, args) -> List[str]:
    """``explanation_<index>.png`` per query (Fig. 4, 6)."""
    names, paths = sc['names'], []
    num_classes = len(names)
    for qi, _, gt, pred, _, sims_proto in explanations:
        scores = pred.pred_score.cpu()
        top = scores.topk(min(args.topk, num_classes)).indices.tolist()
        best_k = [int(sims_proto[t].argmax()) for t in top]
        cosines = [float(sims_proto[t, k]) for t, k in zip(top, best_k)]
        # normalised on DNC's own scale: the softmax of its logits (its scaled nearest
        # sub-centroid cosines) over the top classes
        normalised = (scores[top] / scores[top].sum()).tolist()
        path = osp.join(args.out_dir, f'explanation_{qi}.png')
        vis.visualize_explanation(
            raw_image(test_set, qi),
            [names[t] for t in top],
            [sc['thumbs'].get((t, k)) for t, k in zip(top, best_k)],
            normalised,
            title=f'test #{qi}\nlabel: {names[gt]}\npred: {names[top[0]]}',
            captions=[f'k={k}, cos {s:.2f}' for k, s in zip(best_k, cosines)],
            show=args.show,
            out_file=path,
        )
        paths.append(path)
    return paths


def main(argv: Optional[List[str]] = None) -> dict:
    args = parse_args(argv)
    from mmpretrain.registry import DATASETS

    from mmproto.visualization import DNCVisualizer

    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    model, checkpoint = load_model(cfg, args)
    warning = warn_layernorm(model)
    sc = subcentroid_images(model, cfg, checkpoint, args)
    os.makedirs(args.out_dir, exist_ok=True)
    vis = DNCVisualizer(name='dnc_explain')
    out = {'source': sc['source'], 'files': [], 'warning': warning}
    out['files'].append(draw_subcentroids(vis, sc, args))
    test_cfg = cfg.get('test_dataloader') or cfg.get('val_dataloader')
    test_set = DATASETS.build(test_cfg['dataset'])
    explanations = embed_queries(model, sc['bank'], sc['image_feats'], test_set, args)
    out['files'] += draw_rule(vis, sc, explanations, args)
    out['files'] += draw_explanations(vis, sc, explanations, test_set, args)
    print(f'Sub-centroid images: {sc["source"]}')
    for path in out['files']:
        print(f'wrote {path}')
    return out


if __name__ == '__main__':
    main()
