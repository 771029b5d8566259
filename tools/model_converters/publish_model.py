"""Make a release checkpoint of any mmproto (or mmpretrain / mmseg) model.

mmpretrain's convention: the optimizer, parameter schedulers and message hub are dropped and
the file is written as ``OUT-<first 8 hex digits of its sha256>.pth``. Also dropped: the
model's training-only buffers (``mmproto.models.utils.training_state``: the DNC feature
memory and its pointer, the DL2PA class means, the ContrastiveSeg queues), which inference
never reads; the weights, the sub-centroids / prototypes / assignment and every other buffer
``predict`` uses stay. The model is rebuilt (on the meta device where it can) from the config in
the checkpoint's ``meta`` (every Runner checkpoint has it) or from ``--config``.

A published checkpoint loads into its config's model (``tools/test.py``, ``load_from``,
``dnc2mmseg.py``, ``mcc_to_linear.py``): the absent training-only buffers keep their fresh
state. Resuming training from it is refused (the run could not continue exactly).

    python tools/model_converters/publish_model.py work_dirs/dnc/epoch_100.pth dnc_r50_in1k.pth
"""

import argparse
import hashlib
import os
import os.path as osp
from typing import List, Union

import torch
from mmengine.config import Config

import mmproto  # noqa: F401  # isort: skip
from mmproto.models.utils import drop_training_state, training_only_keys
from mmproto.utils import load_local_checkpoint

RUN_STATE = ('optimizer', 'param_schedulers', 'message_hub')


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('in_file', help='checkpoint of a training run')
    p.add_argument('out_file', help='output name; the file is OUT-<sha256[:8]>.pth')
    p.add_argument('--config', help="the model's config (default: the checkpoint's meta)")
    return p.parse_args()


def model_training_keys(cfg: Config) -> List[str]:
    """Training-only state-dict keys of ``cfg``'s model, built on the meta device if its
    constructors allow it (else on the CPU)."""
    from mmengine.registry import init_default_scope

    scope = cfg.get('default_scope', 'mmpretrain')
    init_default_scope(scope)
    if scope == 'mmseg':
        from mmseg.registry import MODELS
    else:
        from mmpretrain.registry import MODELS
    try:  # no memory for the tensors (the DNC ImageNet memory alone is 2 GB)
        with torch.device('meta'):
            model = MODELS.build(cfg.model)
    except (RuntimeError, NotImplementedError):  # a constructor that reads tensor values
        model = MODELS.build(cfg.model)
    return training_only_keys(model)


def _config_of(checkpoint: dict, config: Union[str, Config, None]) -> Config:
    if isinstance(config, Config):
        return config
    if config:
        return Config.fromfile(config)
    text = (checkpoint.get('meta', None) or {}).get('cfg', None)
    if not text:
        raise ValueError(
            'the checkpoint has no config in its meta (not saved by a Runner); pass --config'
        )
    return Config.fromstring(text, file_format='.py')


def publish(in_file: str, out_file: str, config: Union[str, Config, None] = None) -> str:
    """Write the release checkpoint of ``in_file``; returns its path (``OUT-<sha8>.pth``)."""
    checkpoint = load_local_checkpoint(in_file, map_location='cpu')
    if 'state_dict' not in checkpoint:
        raise ValueError(f'{in_file}: no state_dict (not an mmengine checkpoint)')
    cfg = _config_of(checkpoint, config)
    for key in RUN_STATE:
        checkpoint.pop(key, None)
    dropped = drop_training_state(checkpoint, model_training_keys(cfg))
    stem = out_file[:-4] if out_file.endswith('.pth') else out_file
    tmp = stem + '.tmp.pth'
    torch.save(checkpoint, tmp)
    with open(tmp, 'rb') as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    final = f'{stem}-{sha[:8]}.pth'
    os.replace(tmp, final)
    print(
        f'{final}: dropped {", ".join(RUN_STATE)} and {len(dropped)} training-only buffers'
        + (f' ({", ".join(dropped)})' if dropped else '')
    )
    return final


def main() -> None:
    args = parse_args()
    out_dir = osp.dirname(osp.abspath(args.out_file))
    os.makedirs(out_dir, exist_ok=True)
    publish(args.in_file, args.out_file, args.config)


if __name__ == '__main__':
    main()
