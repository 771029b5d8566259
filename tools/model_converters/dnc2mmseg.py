"""Convert an ImageNet classification checkpoint (mmproto DNC or plain mmpretrain) into an mmseg
backbone checkpoint, for the ``configs/dnc_seg`` fine-tuning configs (DNC §3 "Transferability",
§4.2: the backbone of every segmentation model starts from a Table 2 ImageNet checkpoint).

Supported backbones: mmpretrain ``ResNet`` / ``ResNetV1c`` / ``ResNetV1d`` (depth, input,
stem and base widths inferred: e.g. the greyscale 16-channel ResNet-18 of the Fashion-MNIST
configs) and ``SwinTransformer``; their parameter names equal mmseg's (same structure, verified
against the mmseg modules) except the deep stem's, which are renamed. The DNC head (sub-centroids,
its bookkeeping buffers and the LN_D / LN_C norms) or the parametric ``fc`` is dropped — it is
the only thing dropped. The result holds
``backbone.*`` keys and ``meta.backbone`` (the inferred architecture); configs load it with
``init_cfg=dict(type='Pretrained', checkpoint=..., prefix='backbone.')``.

Before writing, the converted weights are loaded strictly into the mmseg backbone they are
meant for (built from ``--config`` when given, else from the inferred architecture): a
checkpoint of another architecture (ResNet-50 for a ResNet-101 config, Swin-T for Swin-B, a
deep-stem ResNet for a plain one) stops with an error naming the keys or shapes at fault.

Usage::

    python tools/model_converters/dnc2mmseg.py SRC.pth DST.pth \
        [--config configs/dnc_seg/dnc-fcn_dnc-r101b-d8_4xb4-160k_ade20k-512x512.py]
"""

import argparse
import os
import os.path as osp
import re
import sys
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

import torch
from mmengine.utils import track_iter_progress

import mmproto  # noqa: F401  (compat shims + registries before mmseg.models)
from mmproto.utils import (
    UntrustedCheckpointError,
    add_trust_arg,
    apply_trust,
    load_local_checkpoint,
)

# (pattern on the key inside ``head.``, what it is): the report groups dropped keys this way.
HEAD_KEY_KINDS = (
    (r'memory\.|queue|(^|\.)ptr$', 'sub-centroid memory'),
    (r'prototypes|(^|\.)bank\.', 'sub-centroids'),
    (r'norm', 'head norm'),
    (r'(^|\.)fc\.|layers\.|classifier\.(weight|bias)$', 'parametric classifier'),
    (r'convs?\.', 'head conv'),
)

_RESNET_DEPTHS = {
    ('BasicBlock', (2, 2, 2, 2)): 18,
    ('BasicBlock', (3, 4, 6, 3)): 34,
    ('Bottleneck', (3, 4, 6, 3)): 50,
    ('Bottleneck', (3, 4, 23, 3)): 101,
    ('Bottleneck', (3, 8, 36, 3)): 152,
}


class ConversionError(ValueError):
    """The source checkpoint cannot become the requested mmseg backbone."""


def load_state_dict_from(path: str) -> Dict[str, torch.Tensor]:
    """``state_dict`` (or ``model`` / a bare dict) of a checkpoint file, ``module.`` stripped."""
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'checkpoint {path!r} does not exist: pass an ImageNet checkpoint of mmpretrain or of '
            'an mmproto DNC config (e.g. work_dirs/dnc_resnet101_8xb32_in1k/epoch_100.pth)'
        )
    ckpt = load_local_checkpoint(path, map_location='cpu')
    if not isinstance(ckpt, dict):
        raise ConversionError(f'{path!r} holds a {type(ckpt).__name__}, not a checkpoint dict')
    state = ckpt.get('state_dict', ckpt.get('model', ckpt))
    if not state or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ConversionError(f'{path!r} has no state_dict of tensors')
    return OrderedDict((k[7:] if k.startswith('module.') else k, v) for k, v in state.items())


def head_key_kind(key: str) -> str:
    """What a dropped ``head.*`` / ``neck.*`` key is (for the report)."""
    if key.startswith('neck.'):
        return 'neck'
    inner = key.split('.', 1)[1]
    for pattern, kind in HEAD_KEY_KINDS:
        if re.search(pattern, inner):
            return kind
    return 'head (other)'


def infer_backbone(backbone: Dict[str, torch.Tensor]) -> dict:
    """The mmseg backbone config the (prefix-free) backbone weights describe."""
    if 'patch_embed.projection.weight' in backbone:
        return _infer_swin(backbone)
    if 'layer1.0.conv1.weight' in backbone:
        return _infer_resnet(backbone)
    raise ConversionError(
        'unsupported backbone: expected ResNet (layer1.0.conv1.weight) or SwinTransformer '
        f'(patch_embed.projection.weight) weights; first keys: {list(backbone)[:5]}'
    )


def _count(keys, pattern: str) -> int:
    found = {int(m.group(1)) for k in keys for m in [re.match(pattern, k)] if m}
    return max(found) + 1 if found else 0


def _infer_resnet(sd: Dict[str, torch.Tensor]) -> dict:
    block = 'Bottleneck' if 'layer1.0.conv3.weight' in sd else 'BasicBlock'
    blocks = tuple(_count(sd, rf'layer{i}\.(\d+)\.') for i in range(1, 5))
    depth = _RESNET_DEPTHS.get((block, blocks))
    if depth is None:
        raise ConversionError(f'unknown ResNet layout: {block} blocks per stage {blocks}')
    deep_stem = 'stem.0.conv.weight' in sd
    avg_down = 'layer1.0.downsample.2.weight' in sd  # AvgPool, conv, norm
    arch_type = 'ResNet' if not deep_stem else ('ResNetV1d' if avg_down else 'ResNetV1c')
    arch = dict(type=arch_type, depth=depth)
    # widths: stem conv [stem (deep stem: stem / 2), in, k, k], first block conv [base, stem, ...]
    first = sd['stem.0.conv.weight'] if deep_stem else sd['conv1.weight']
    widths = dict(
        in_channels=first.shape[1],
        stem_channels=first.shape[0] * (2 if deep_stem else 1),
        base_channels=sd['layer1.0.conv1.weight'].shape[0],
    )
    defaults = dict(in_channels=3, stem_channels=64, base_channels=64)
    arch.update({k: int(v) for k, v in widths.items() if v != defaults[k]})  # e.g. greyscale
    return arch


def _infer_swin(sd: Dict[str, torch.Tensor]) -> dict:
    proj = sd['patch_embed.projection.weight']
    num_stages = _count(sd, r'stages\.(\d+)\.')
    depths = [_count(sd, rf'stages\.{i}\.blocks\.(\d+)\.') for i in range(num_stages)]
    tables = [sd[f'stages.{i}.blocks.0.attn.w_msa.relative_position_bias_table'] for i in range(4)]
    window = (int(round(tables[0].shape[0] ** 0.5)) + 1) // 2
    return dict(
        type='SwinTransformer',
        embed_dims=proj.shape[0],
        patch_size=proj.shape[-1],
        depths=depths,
        num_heads=[t.shape[1] for t in tables],
        window_size=window,
        use_abs_pos_embed='absolute_pos_embed' in sd,
    )


def to_mmseg_names(backbone: Dict[str, torch.Tensor]) -> 'OrderedDict[str, torch.Tensor]':
    """mmpretrain's deep stem (ResNetV1c / V1d: ``stem.{i}.conv`` / ``stem.{i}.bn``, three
    ConvModules) under mmseg's names (one Sequential of conv, norm, ReLU x 3:
    ``stem.{3i}`` / ``stem.{3i+1}``); every other key is the same in both."""
    out = OrderedDict()
    for k, v in backbone.items():
        m = re.fullmatch(r'stem\.(\d+)\.(conv|bn)\.(.+)', k)
        if m:
            k = f'stem.{3 * int(m.group(1)) + (m.group(2) == "bn")}.{m.group(3)}'
        out[k] = v
    return out


def split_checkpoint(
    state: Dict[str, torch.Tensor],
) -> Tuple['OrderedDict[str, torch.Tensor]', List[Tuple[str, str, tuple]]]:
    """Split into prefix-free backbone weights and the dropped ``(key, kind, shape)`` list.

    Raises:
        ConversionError: no ``backbone.`` key, or keys outside backbone / neck / head (a
            checkpoint of another model type, e.g. a segmentor) that would be silently lost.
    """
    backbone = OrderedDict((k[9:], v) for k, v in state.items() if k.startswith('backbone.'))
    if not backbone:
        prefixes = sorted({k.split('.', 1)[0] for k in state})
        raise ConversionError(
            "no 'backbone.*' weights: not an mmpretrain ImageClassifier checkpoint (top-level "
            f'prefixes: {prefixes})'
        )
    dropped, unknown = [], []
    for k, v in state.items():
        if k.startswith('backbone.') or k.startswith('data_preprocessor.'):
            continue
        if k.startswith('head.') or k.startswith('neck.'):
            dropped.append((k, head_key_kind(k), tuple(v.shape)))
        else:
            unknown.append(k)
    if unknown:
        raise ConversionError(
            f'keys outside backbone/neck/head would be lost: {unknown[:8]} — is this an '
            'image classification checkpoint?'
        )
    return backbone, dropped


def verify_against(backbone: Dict[str, torch.Tensor], backbone_cfg: dict) -> List[str]:
    """Load ``backbone`` strictly into the mmseg module built from ``backbone_cfg``.

    Returns:
        list[str]: target keys the checkpoint does not provide and that may start fresh (Swin's
        ``norm0``..``norm2``: an ImageNet classifier only has the last stage's output norm).

    Raises:
        ConversionError: unexpected keys, shape mismatches or other missing keys.
    """
    from mmengine.registry import DefaultScope
    from mmseg.registry import MODELS

    cfg = dict(backbone_cfg)
    cfg.pop('init_cfg', None)
    cfg.pop('pretrained', None)
    with DefaultScope.overwrite_default_scope('mmseg'):  # mmseg's ResNet, not mmpretrain's
        module = MODELS.build(cfg)
    target = module.state_dict()
    unexpected = [k for k in backbone if k not in target]
    mismatched = [
        f'{k}: checkpoint {tuple(v.shape)} vs model {tuple(target[k].shape)}'
        for k, v in backbone.items()
        if k in target and v.shape != target[k].shape
    ]
    missing = [k for k in target if k not in backbone]
    fresh = [k for k in missing if re.fullmatch(r'norm[0-2]\.(weight|bias)', k)]
    if cfg['type'] != 'SwinTransformer':
        fresh = []
    hard_missing = [k for k in missing if k not in fresh and not k.endswith('num_batches_tracked')]
    if unexpected or mismatched or hard_missing:
        raise ConversionError(
            f'checkpoint does not fit the mmseg backbone {cfg}:\n'
            f'  unexpected keys ({len(unexpected)}): {unexpected[:6]}\n'
            f'  shape mismatches ({len(mismatched)}): {mismatched[:6]}\n'
            f'  missing keys ({len(hard_missing)}): {hard_missing[:6]}'
        )
    return fresh


def backbone_cfg_from_config(config: str) -> dict:
    """``model.backbone`` of a segmentation config (``init_cfg`` removed)."""
    from mmengine.config import Config

    return dict(Config.fromfile(config).model.backbone)


def convert(
    src: str, dst: Optional[str] = None, config: Optional[str] = None, verbose: bool = True
) -> dict:
    """Convert ``src`` and (if ``dst``) save it. Returns the report dict.

    Report keys: ``backbone`` (mmseg config), ``loaded`` (backbone keys written), ``dropped``
    (list of ``(key, kind, shape)``), ``fresh`` (target keys left to their initialisation).
    """
    state = load_state_dict_from(src)
    backbone, dropped = split_checkpoint(state)
    arch = infer_backbone(backbone)
    backbone = to_mmseg_names(backbone)
    target_cfg = backbone_cfg_from_config(config) if config else arch
    fresh = verify_against(backbone, target_cfg)
    report = dict(backbone=arch, loaded=list(backbone), dropped=dropped, fresh=fresh)
    if verbose:
        print_report(report)
    if dst is not None:
        items = list(backbone.items())
        if verbose:  # an mmengine progress bar over the tensors written
            items = track_iter_progress(items, file=sys.stdout)
        out = OrderedDict(('backbone.' + k, v.clone()) for k, v in items)
        meta = dict(source=osp.basename(src), backbone=arch, converter='mmproto dnc2mmseg')
        if osp.dirname(dst):
            os.makedirs(osp.dirname(dst), exist_ok=True)  # e.g. checkpoints/ of the configs
        torch.save(dict(state_dict=out, meta=meta), dst)
        if verbose:
            print(f'saved {len(out)} backbone tensors to {dst}')
    return report


def print_report(report: dict) -> None:
    arch = report['backbone']
    print(f'backbone: {arch}')
    print(f'loaded {len(report["loaded"])} backbone keys (backbone.* -> mmseg {arch["type"]})')
    kinds: Dict[str, List[str]] = {}
    for key, kind, shape in report['dropped']:
        kinds.setdefault(kind, []).append(f'{key} {list(shape)}')
    print(f'dropped {len(report["dropped"])} keys:')
    for kind, keys in kinds.items():
        print(f'  [{kind}] ' + ', '.join(keys))
    if report['fresh']:
        print('not in the checkpoint, initialised by mmseg: ' + ', '.join(report['fresh']))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('src', help='mmproto DNC or mmpretrain ImageNet checkpoint')
    parser.add_argument('dst', help='output mmseg backbone checkpoint')
    parser.add_argument(
        '--config', help='segmentation config whose model.backbone the weights must fit'
    )
    add_trust_arg(parser)
    args = parser.parse_args()
    apply_trust(args=args, path=args.src)
    return args


def main() -> None:
    args = parse_args()
    try:
        convert(args.src, args.dst, args.config)
    except (ConversionError, FileNotFoundError, UntrustedCheckpointError) as err:
        raise SystemExit(f'error: {err}') from None


if __name__ == '__main__':
    main()
