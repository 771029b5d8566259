"""Train a model from an mmpretrain (classification) or mmseg (segmentation) config.

Usage (one process; several with ``tools/dist_train.sh CONFIG GPUS``)::

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp] [--trust-checkpoint]
        [--head {dnc,dl2pa,mcc}] [--cfg-options key=value ...] [--launcher {none,pytorch,slurm,mpi}]

CONFIG is a file or ``package::path`` (``mmpretrain::resnet/resnet18_8xb32_in1k.py``).
``--head`` swaps an mmpretrain classifier's head for a method's recipe
(:mod:`mmproto.utils.head_swap`); ``--cfg-options`` apply after it.
"""

import mmproto  # noqa: F401  (compat shims before any mmpretrain / mmseg import)

# isort: split
import argparse
import logging
import os.path as osp
from copy import deepcopy

import torch
from mmengine.config import Config, ConfigDict
from mmengine.device import get_device
from mmengine.logging import print_log

from mmproto.utils import (
    HEAD_RECIPES,
    add_launch_args,
    add_trust_arg,
    apply_trust,
    build_runner,
    check_dataset_files,
    close_distributed,
    config_scope,
    export_local_rank,
    resolve_config_path,
    set_work_dir,
    swap_head,
    trusted_run,
)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a model (mmpretrain or mmseg config)')
    parser.add_argument(
        'config', help='train config file, or package::path (mmproto::, mmpretrain::, mmseg::)'
    )
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint; without a path, from the latest checkpoint in the '
        'work dir. Only tensors and the types mmengine resume files hold are unpickled '
        '(see --trust-checkpoint).',
    )
    parser.add_argument(
        '--amp', action='store_true', help='enable automatic-mixed-precision training'
    )
    parser.add_argument(
        '--no-validate', action='store_true', help='do not evaluate during training'
    )
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate by the actual / the base batch size (auto_scale_lr)',
    )
    parser.add_argument(
        '--no-pin-memory', action='store_true', help='disable pin_memory in the dataloaders'
    )
    parser.add_argument(
        '--no-persistent-workers',
        action='store_true',
        help='disable persistent_workers in the dataloaders',
    )
    parser.add_argument(
        '--head',
        choices=sorted(HEAD_RECIPES),
        help="replace the classifier head (mmpretrain configs) by this method's recipe: head, "
        'hooks; num_classes and in_channels from the replaced head (before --cfg-options)',
    )
    add_launch_args(parser)
    add_trust_arg(parser)
    args = parser.parse_args(argv)
    export_local_rank(args)
    return args


def enable_amp(cfg: Config) -> None:
    """Switch ``cfg.optim_wrapper`` to mmengine's ``AmpOptimWrapper`` (dynamic loss scale)."""
    if get_device() == 'cpu':
        raise RuntimeError(
            '--amp: mmengine AmpOptimWrapper needs a CUDA (or NPU/MLU/MUSA) device and this '
            'machine has none; train without --amp on the CPU.'
        )
    wrapper_type = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if wrapper_type == 'AmpOptimWrapper':
        print_log('AMP training is already enabled in the config.', 'current', logging.WARNING)
        return
    if wrapper_type != 'OptimWrapper':
        raise ValueError(
            f'--amp replaces optim_wrapper.type=OptimWrapper, but the config has {wrapper_type}'
        )
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')


def set_dataloader_defaults(cfg: Config, args: argparse.Namespace) -> None:
    """mmpretrain's tool defaults (batched collate, pinned memory, persistent workers) for
    classification; mmseg keeps mmengine's defaults. ``--no-*`` flags apply to both."""
    for field in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(field, None)
        if loader is None:
            continue
        if config_scope(cfg) == 'mmpretrain':
            merged = ConfigDict(
                pin_memory=torch.cuda.is_available(),
                persistent_workers=True,
                collate_fn=dict(type='default_collate'),
            )
            merged.update(deepcopy(loader))
            loader = merged
        if loader.get('num_workers', 0) == 0:
            loader['persistent_workers'] = False  # DataLoader rejects it without workers
        if args.no_pin_memory:
            loader['pin_memory'] = False
        if args.no_persistent_workers:
            loader['persistent_workers'] = False
        cfg[field] = loader


def add_resume_schedule_check(cfg: Config) -> None:
    """A resumed run warns if its schedule differs from the checkpoint's
    (:class:`mmproto.engine.hooks.ResumeScheduleCheckHook`)."""
    if not cfg.get('resume', False):
        return
    hooks = list(cfg.get('custom_hooks', None) or [])
    if not any(str(h.get('type', '')).endswith('ResumeScheduleCheckHook') for h in hooks):
        hooks.append(dict(type='ResumeScheduleCheckHook'))
    cfg.custom_hooks = hooks


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the command line to ``cfg`` (``--cfg-options`` last, so they win)."""
    config_scope(cfg)
    head = getattr(args, 'head', None)
    if head is not None:
        swap_head(cfg, head)
    cfg.launcher = args.launcher
    # default work dir ./work_dirs/<config name>[_<head>]
    name = args.config if head is None else f'{osp.splitext(args.config)[0]}_{head}.py'
    set_work_dir(cfg, name, args.work_dir)
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    if args.amp:
        enable_amp(cfg)
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    if args.auto_scale_lr:
        if 'base_batch_size' not in cfg.get('auto_scale_lr', {}):
            raise ValueError('--auto-scale-lr needs auto_scale_lr=dict(base_batch_size=...)')
        cfg.auto_scale_lr.enable = True
    set_dataloader_defaults(cfg, args)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
        for field in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            loader = cfg.get(field, None)
            if loader and loader.get('num_workers', 0) == 0:  # e.g. num_workers=0 given here
                loader['persistent_workers'] = False
    apply_trust(cfg, args)
    add_resume_schedule_check(cfg)
    return cfg


def main(argv=None) -> None:
    args = parse_args(argv)
    cfg = merge_args(Config.fromfile(resolve_config_path(args.config)), args)
    check_dataset_files(cfg)
    runner = build_runner(cfg)
    with trusted_run(cfg):  # the files this run loads, if trusted
        runner.train()
    close_distributed()


if __name__ == '__main__':
    main()
