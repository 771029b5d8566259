"""Convert an official SG-Former ImageNet checkpoint (github.com/OliverRensu/SG-Former, timm
naming) into an mmpretrain ``ImageClassifier`` checkpoint with mmproto's ``SGFormer`` backbone
(``backbone.*``) and a ``LinearClsHead`` (``head.fc.*``), e.g. for the
``configs/mcc/linear_sgformer-*`` configs or as ``init_cfg=dict(type='Pretrained', ...)``.

The architecture (``s`` / ``m`` / ``b``) is inferred from the block depths and the converted
weights are loaded strictly into that ``SGFormer`` before writing: a key or shape that does not
fit stops with an error naming it. The renaming was checked once against the official model
with transplanted random weights: float64 logits equal to 1e-15 at 224 x 224 (S, M, B).

Usage::

    python tools/model_converters/sgformer2mmproto.py SRC.pth DST.pth [--ema]

The file is read with ``torch.load(weights_only=True)`` (tensors only).
"""

import argparse
import re
from collections import OrderedDict
from typing import Dict

import torch

import mmproto  # noqa: F401  (registers SGFormer)
from mmproto.models.backbones import SGFormer

# official attention layer -> mmproto's, per block kind
HYBRID = {
    'q1': 'q_global',
    'kv1': 'kv_global',
    'q2': 'q_local',
    'kv2': 'kv_local',
    'norm': 'sr_norm',
}
GUIDED = {
    'kv1': 'kv_row',
    'kv2': 'kv_col',
    'f1': 'reallocation.aggregate.0',
    'f2': 'reallocation.aggregate.1',
    'f3': 'reallocation.aggregate.2',
}
COMMON = (
    ('mlp.dwconv.dwconv.', 'ffn.dwconv.'),
    ('mlp.', 'ffn.'),
    ('attn.lepe_linear.', 'attn.lepe.linear.'),
    ('attn.lepe_conv.', 'attn.lepe.conv.'),
)


def rename(key: str, num_stages: int = 4) -> str:
    """Official key -> mmpretrain ``ImageClassifier`` key (``backbone.*`` / ``head.fc.*``)."""
    if key.startswith('head.'):
        return 'head.fc.' + key[len('head.') :]
    if key == 'pos_embed':
        return 'backbone.pos_embed'
    m = re.fullmatch(r'patch_embed1\.conv\.(\d)\.(c|bn)\.(\w+)', key)
    if m:
        return f'backbone.stem.convs.{m[1]}.{int(m[2] == "bn")}.{m[3]}'
    if key.startswith('patch_embed1.norm.'):
        return 'backbone.stem.norm.' + key.split('.')[-1]
    m = re.fullmatch(r'patch_embed(\d)\.conv(\d)\.(c|bn)\.(\w+)', key)
    if m:
        conv = 2 * (int(m[2]) - 1)
        return f'backbone.downsamples.{int(m[1]) - 2}.convs.{conv}.{int(m[3] == "bn")}.{m[4]}'
    m = re.fullmatch(r'norm(\d)\.(\w+)', key)
    if m:
        return f'backbone.norms.{int(m[1]) - 1}.{m[2]}'
    m = re.fullmatch(r'block(\d)\.(\d+)\.(.+)', key)
    if not m:
        raise KeyError(f'unknown SG-Former key {key!r}')
    stage, j, rest = int(m[1]) - 1, int(m[2]), m[3]
    for old, new in COMMON:
        if rest.startswith(old):
            rest = new + rest[len(old) :]
    if stage < num_stages - 1:
        table = GUIDED if j % 2 else HYBRID
        m = re.fullmatch(r'attn\.(\w+)\.(\w+)', rest)
        if m and m[1] in table:
            rest = f'attn.{table[m[1]]}.{m[2]}'
    return f'backbone.stages.{stage}.{j}.{rest}'


def infer_arch(state_dict: Dict[str, torch.Tensor]) -> str:
    """``s`` / ``m`` / ``b`` from the number of blocks per stage."""
    depths = tuple(
        len({k.split('.')[1] for k in state_dict if k.startswith(f'block{i}.')})
        for i in (1, 2, 3, 4)
    )
    for arch, settings in SGFormer.arch_zoo.items():
        if tuple(settings['depths']) == depths:
            return arch
    raise ValueError(f'block depths {depths} match no SGFormer arch ({sorted(SGFormer.arch_zoo)})')


def convert(state_dict: Dict[str, torch.Tensor]) -> 'OrderedDict[str, torch.Tensor]':
    """Rename all keys and check them by a strict load into the inferred ``SGFormer``."""
    state_dict = {
        k[len('module.') :] if k.startswith('module.') else k: v for k, v in state_dict.items()
    }
    arch = infer_arch(state_dict)
    out = OrderedDict((rename(k), v) for k, v in state_dict.items())
    backbone = SGFormer(arch)
    prefix = 'backbone.'
    backbone.load_state_dict({k[len(prefix) :]: v for k, v in out.items() if k.startswith(prefix)})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='official SG-Former checkpoint')
    parser.add_argument('dst', help='output mmpretrain checkpoint')
    parser.add_argument('--ema', action='store_true', help="convert 'state_dict_ema'")
    args = parser.parse_args()
    checkpoint = torch.load(args.src, map_location='cpu', weights_only=True)
    key = (
        'state_dict_ema'
        if args.ema
        else next((k for k in ('state_dict', 'model') if k in checkpoint), None)
    )
    state_dict = checkpoint[key] if key else checkpoint
    out = convert(state_dict)
    torch.save(dict(state_dict=out, meta=dict(sgformer_arch=infer_arch(state_dict))), args.dst)
    print(f'converted {len(out)} tensors (arch {infer_arch(state_dict)!r}) -> {args.dst}')


if __name__ == '__main__':
    main()
