"""Turn a multi-center classifier checkpoint into a plain-classifier checkpoint.

Drops the training-only state of every ``MultiCenterClsHead`` / ``MultiCenterLSoftmaxClsHead`` /
``MultiCenterArcFaceClsHead`` (``log_var``, ``noise_seed``, ``num_steps``) and, by default, adds
a zero ``fc.bias`` where the head had none, so the result loads strictly into the same config
with the head replaced by ``LinearClsHead`` (``ArcFaceClsHead`` for the ArcFace variant) or into
the same head built with ``deploy=True``. Optimizer and scheduler state are dropped.

Usage:
    python tools/model_converters/mcc_to_linear.py IN.pth OUT.pth [--no-zero-bias]
        [--trust-checkpoint]
"""

import argparse
from collections import OrderedDict
from typing import Dict, List, Tuple

import torch

from mmproto.utils import (
    UntrustedCheckpointError,
    add_trust_arg,
    apply_trust,
    load_local_checkpoint,
)

TRAIN_ONLY = ('log_var', 'noise_seed', 'num_steps')
STATE_KEYS = ('state_dict', 'ema_state_dict')


def convert_state_dict(
    state_dict: Dict[str, torch.Tensor], zero_bias: bool = True
) -> Tuple['OrderedDict[str, torch.Tensor]', List[str]]:
    """Return ``(new_state_dict, removed_keys)``; heads are found by their ``log_var`` key."""
    prefixes = [k[: -len('log_var')] for k in state_dict if k.split('.')[-1] == 'log_var']
    if not prefixes:
        raise ValueError('no multi-center head found: the checkpoint has no "*log_var" key')
    drop = {p + name for p in prefixes for name in TRAIN_ONLY}
    out = OrderedDict((k, v) for k, v in state_dict.items() if k not in drop)
    if zero_bias:
        for p in prefixes:
            weight = out.get(p + 'fc.weight')
            if weight is not None and p + 'fc.bias' not in out:
                out[p + 'fc.bias'] = weight.new_zeros(weight.shape[0])
    return out, sorted(k for k in drop if k in state_dict)


def convert_checkpoint(checkpoint: dict, zero_bias: bool = True) -> dict:
    """Convert every state dict of a checkpoint (``state_dict``, EMA) and keep ``meta``."""
    if 'state_dict' not in checkpoint:
        checkpoint = dict(state_dict=checkpoint)
    out = {}
    for key in STATE_KEYS:
        if key in checkpoint:
            out[key], _ = convert_state_dict(checkpoint[key], zero_bias)
    if 'meta' in checkpoint:
        out['meta'] = checkpoint['meta']
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='multi-center checkpoint')
    parser.add_argument('dst', help='output checkpoint')
    parser.add_argument(
        '--no-zero-bias',
        action='store_true',
        help='do not add a zero fc.bias (for a deploy=True head built with bias=False)',
    )
    add_trust_arg(parser)
    args = parser.parse_args()
    apply_trust(args=args, path=args.src)
    try:
        checkpoint = load_local_checkpoint(args.src, map_location='cpu')
    except UntrustedCheckpointError as err:
        raise SystemExit(f'error: {err}') from None
    _, removed = convert_state_dict(checkpoint.get('state_dict', checkpoint))
    torch.save(convert_checkpoint(checkpoint, zero_bias=not args.no_zero_bias), args.dst)
    print(f'removed {len(removed)} training-only tensors: {", ".join(removed)}')
    print(f'saved {args.dst}')


if __name__ == '__main__':
    main()
