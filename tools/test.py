"""Evaluate a checkpoint with an mmpretrain (classification) or mmseg (segmentation) config.

Usage (one process; several with ``tools/dist_test.sh CONFIG CHECKPOINT GPUS``)::

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out FILE_OR_DIR] [--amp]
        [--tta] [--show-dir DIR] [--cfg-options key=value ...] [--launcher ...]

Checkpoints load with torch's weights-only unpickler and the types mmengine checkpoints hold;
anything else is refused unless ``--trust-checkpoint`` is given.
"""

import mmproto  # noqa: F401  (compat shims before any mmpretrain / mmseg import)

# isort: split
import argparse
from copy import deepcopy

import mmengine
import torch
from mmengine.config import Config, ConfigDict
from mmengine.evaluator import DumpResults

from mmproto.utils import (
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
    trusted_run,
)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and evaluate) a model')
    parser.add_argument(
        'config', help='test config file, or package::path (mmproto::, mmpretrain::, mmseg::)'
    )
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save the evaluation metrics')
    parser.add_argument(
        '--out',
        help='classification: a pickle file of the predictions (or of the metrics, see '
        '--out-item); segmentation: a directory for the predicted masks',
    )
    parser.add_argument(
        '--out-item',
        choices=['metrics', 'pred'],
        help='classification: what --out holds (default: pred)',
    )
    parser.add_argument(
        '--amp', action='store_true', help='run the test under autocast (bf16 on CPU)'
    )
    parser.add_argument('--show-dir', help='directory to save the painted predictions')
    parser.add_argument('--show', action='store_true', help='display the predictions')
    parser.add_argument('--interval', type=int, default=1, help='visualize every n samples')
    parser.add_argument('--wait-time', type=float, default=2, help='display time (s)')
    parser.add_argument(
        '--no-pin-memory', action='store_true', help='disable pin_memory in the dataloader'
    )
    parser.add_argument(
        '--tta',
        action='store_true',
        help='test-time augmentation: the config tta_pipeline / tta_model, else flip TTA '
        '(classification)',
    )
    add_launch_args(parser)
    add_trust_arg(parser)
    args = parser.parse_args(argv)
    export_local_rank(args)
    if args.out is None and args.out_item is not None:
        parser.error('--out-item needs --out')
    return args


def _visualize(cfg: Config, args: argparse.Namespace, scope: str) -> None:
    hooks = cfg.get('default_hooks', {})
    if 'visualization' not in hooks:
        raise ValueError(
            '--show / --show-dir need default_hooks.visualization in the config, e.g. '
            "visualization=dict(type='VisualizationHook')"
        )
    vis = hooks['visualization']
    if scope == 'mmpretrain':
        vis.update(
            enable=True,
            show=args.show,
            wait_time=args.wait_time,
            out_dir=args.show_dir,
            interval=args.interval,
        )
    else:
        vis.update(draw=True, show=args.show, wait_time=args.wait_time, interval=args.interval)
        if args.show_dir:
            cfg.visualizer['save_dir'] = args.show_dir


def _tta(cfg: Config, scope: str) -> None:
    if scope == 'mmpretrain':
        cfg.setdefault('tta_model', dict(type='mmpretrain.AverageClsScoreTTA'))
        if 'tta_pipeline' not in cfg:
            pipeline = deepcopy(cfg.test_dataloader.dataset.pipeline)
            flips = [dict(type='RandomFlip', prob=1.0), dict(type='RandomFlip', prob=0.0)]
            pipeline[-1] = dict(type='TestTimeAug', transforms=[flips, [pipeline[-1]]])
            cfg.tta_pipeline = pipeline
    elif 'tta_pipeline' not in cfg or 'tta_model' not in cfg:
        raise ValueError('--tta needs tta_pipeline and tta_model in a segmentation config')
    cfg.model = ConfigDict(**cfg.tta_model, module=cfg.model)
    cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the command line to ``cfg`` (``--cfg-options`` last, so they win)."""
    scope = config_scope(cfg)
    cfg.launcher = args.launcher
    set_work_dir(cfg, args.config, args.work_dir)
    cfg.load_from = args.checkpoint
    cfg.resume = False
    if args.amp:
        cfg.test_cfg = cfg.get('test_cfg', None) or ConfigDict()
        cfg.test_cfg.fp16 = True
    if args.show or args.show_dir:
        _visualize(cfg, args, scope)
    if args.tta:
        _tta(cfg, scope)
    if scope == 'mmseg' and args.out is not None:
        cfg.test_evaluator['output_dir'] = args.out
        cfg.test_evaluator['keep_results'] = True
    loader = ConfigDict(pin_memory=torch.cuda.is_available())
    if scope == 'mmpretrain':
        loader.collate_fn = dict(type='default_collate')
    loader.update(cfg.test_dataloader)
    if args.no_pin_memory:
        loader.pin_memory = False
    cfg.test_dataloader = loader
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if cfg.test_dataloader.get('num_workers', 0) == 0:  # DataLoader rejects it without workers
        cfg.test_dataloader['persistent_workers'] = False
    apply_trust(cfg, args)
    return cfg


def main(argv=None) -> dict:
    args = parse_args(argv)
    cfg = merge_args(Config.fromfile(resolve_config_path(args.config)), args)
    check_dataset_files(cfg, fields=('test_dataloader',))
    runner = build_runner(cfg)
    classification = config_scope(cfg) == 'mmpretrain'
    if classification and args.out and args.out_item in ('pred', None):
        runner.test_evaluator.metrics.append(DumpResults(out_file_path=args.out))
    with trusted_run(cfg):  # the files this run loads, if trusted
        metrics = runner.test()
    if classification and args.out and args.out_item == 'metrics':
        mmengine.dump(metrics, args.out)
    close_distributed()
    return metrics


if __name__ == '__main__':
    main()
