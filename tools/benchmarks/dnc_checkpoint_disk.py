"""Checkpoint disk of a 100-epoch DNC ImageNet run vs its linear baseline (shipped configs).

Builds the models and SGD optimizers of ``configs/dnc/dnc_resnet50_8xb32_in1k.py`` (ResNet-50,
K=4 sub-centroids, FIFO memory of 256,000 x 2048 float32 features) and of its baseline
``configs/dnc/resnet50_8xb32_in1k.py`` at their real sizes, takes one optimizer step (so the
momentum buffers exist, as in every saved checkpoint) and saves a checkpoint of each as the
Runner does (state dict, optimizer, meta). The DNC checkpoint is then slimmed as
``LatestTrainingStateHook`` slims every checkpoint but the latest (``slim_checkpoint``: the
same function). All sizes are measured files; the run totals multiply them by the number of
checkpoints the configs' ``CheckpointHook`` writes (``max_epochs / interval``; mmpretrain's
``interval=1`` keeps all 100):

    DNC      = (N - 1) x older + latest          (with LatestTrainingStateHook, shipped)
    DNC_all  = N x latest                        (every checkpoint with the memory)
    linear   = N x linear

Needs ~2.5 GB of memory and ~3 GB of free disk in ``--work-dir``. Ends with
``<figure>: <value>`` lines.

    python tools/benchmarks/dnc_checkpoint_disk.py --work-dir /tmp/ckpt_disk
"""

import argparse
import os
import os.path as osp
import shutil
import tempfile

import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import save_checkpoint, weights_to_cpu
from mmpretrain.registry import MODELS

import mmproto  # noqa: F401  # isort: skip
from mmproto.engine.hooks import slim_checkpoint
from mmproto.models.utils import training_only_keys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DNC = osp.join(REPO, 'configs', 'dnc', 'dnc_resnet50_8xb32_in1k.py')
LINEAR = osp.join(REPO, 'configs', 'dnc', 'resnet50_8xb32_in1k.py')


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--work-dir', default=None, help='where the checkpoints are written')
    p.add_argument('--device', default='cpu', help='where the models are built')
    p.add_argument('--dnc-config', default=DNC)
    p.add_argument('--linear-config', default=LINEAR)
    return p.parse_args()


def num_checkpoints(cfg: Config) -> int:
    hook = cfg.default_hooks.checkpoint
    interval = int(hook.get('interval', 1))
    keep = int(hook.get('max_keep_ckpts', -1))
    n = int(cfg.train_cfg.max_epochs) // interval
    return min(n, keep) if keep > 0 else n


def save_like_runner(cfg: Config, path: str, device: str):
    """Build ``cfg``'s model and optimizer, take one step, save; returns the file size and
    the model's training-only keys."""
    init_default_scope('mmpretrain')
    model = MODELS.build(cfg.model).to(device)
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    for p in model.parameters():
        if p.requires_grad:
            p.grad = torch.zeros_like(p)
    optim.step()  # creates the SGD momentum buffers every later checkpoint holds
    checkpoint = dict(
        meta=dict(epoch=1, iter=5005),
        state_dict=weights_to_cpu(model.state_dict()),
        optimizer=optim.state_dict(),
    )
    keys = training_only_keys(model)
    del model, optim
    save_checkpoint(checkpoint, path)
    del checkpoint
    return os.path.getsize(path), keys


def main():
    args = parse_args()
    work_dir = args.work_dir or tempfile.mkdtemp(prefix='dnc_ckpt_disk_')
    os.makedirs(work_dir, exist_ok=True)
    dnc_cfg, linear_cfg = Config.fromfile(args.dnc_config), Config.fromfile(args.linear_config)
    n_dnc, n_linear = num_checkpoints(dnc_cfg), num_checkpoints(linear_cfg)
    hooks = [h.get('type') for h in dnc_cfg.get('custom_hooks', [])]
    slimmed = 'LatestTrainingStateHook' in hooks

    linear_path = osp.join(work_dir, 'linear.pth')
    linear, _ = save_like_runner(linear_cfg, linear_path, args.device)
    dnc_path = osp.join(work_dir, 'dnc_latest.pth')
    latest, keys = save_like_runner(dnc_cfg, dnc_path, args.device)
    older_path = osp.join(work_dir, 'dnc_older.pth')
    shutil.copyfile(dnc_path, older_path)
    dropped = slim_checkpoint(older_path, keys)
    older = os.path.getsize(older_path)

    mb = 1024**2
    total_linear = n_linear * linear
    total_dnc_all = n_dnc * latest
    total_dnc = (n_dnc - 1) * older + latest if slimmed else total_dnc_all
    print(f'checkpoints per run: DNC {n_dnc}, linear {n_linear}; training-only keys {dropped}')
    print(f'checkpoint_mb_linear: {linear / mb:.1f}')
    print(f'checkpoint_mb_dnc_latest: {latest / mb:.1f}')
    print(f'checkpoint_mb_dnc_older: {older / mb:.1f}')
    print(f'run_disk_gb_linear_in1k: {total_linear / 1024**3:.2f}')
    print(f'run_disk_gb_dnc_in1k: {total_dnc / 1024**3:.2f}')
    print(f'checkpoint_disk_ratio_dnc_all_vs_linear_in1k: {total_dnc_all / total_linear:.2f}')
    print(f'checkpoint_disk_ratio_dnc_vs_linear_in1k: {total_dnc / total_linear:.2f}')
    if args.work_dir is None:
        shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == '__main__':
    main()
