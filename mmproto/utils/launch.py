"""What ``tools/train.py`` and ``tools/test.py`` share: config scope, work dir, runner build.

The one non-upstream piece is :func:`setup_cpu_distributed`: mmengine's ``init_dist`` always
calls ``torch.cuda.set_device`` and defaults to NCCL, so ``--launcher pytorch`` fails on a
machine without CUDA. Here the process group is initialised with gloo from the launcher's
environment before the Runner is built (the Runner then skips its own ``init_dist``), and the
model wrapper is told not to pin the model to a CUDA device (``device_ids=None``).
"""

import argparse
import datetime
import os
import os.path as osp
import subprocess
from typing import Optional

import torch
import torch.distributed as torch_dist
from mmengine.config import Config, ConfigDict, DictAction

TASK_SCOPES = ('mmpretrain', 'mmseg')


def config_scope(cfg: Config) -> str:
    """The registry scope of a config (``default_scope``), which decides the task.

    Raises:
        ValueError: if the config has no ``default_scope`` mmproto knows.
    """
    scope = cfg.get('default_scope', None)
    if scope not in TASK_SCOPES:
        raise ValueError(
            f'config default_scope={scope!r}: mmproto tools handle {TASK_SCOPES} configs; '
            'inherit an mmpretrain:: or mmseg:: base (their default_runtime sets it).'
        )
    return scope


def add_launch_args(parser: argparse.ArgumentParser) -> None:
    """The options train.py and test.py share: ``--cfg-options``, ``--launcher`` and the
    ``--local_rank`` / ``--local-rank`` that ``torch.distributed.launch`` passes."""
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config entries, xxx=yyy format (a list: key="[a,b]" or key=a,b; '
        'nested: key="[(a,b),(c,d)]"; quotes needed, no white space)',
    )
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def export_local_rank(args: argparse.Namespace) -> None:
    """Expose ``--local-rank`` as ``LOCAL_RANK`` unless the launcher already set it."""
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)


def set_work_dir(cfg: Config, config_path: str, work_dir: Optional[str] = None) -> None:
    """``--work-dir`` > ``cfg.work_dir`` > ``./work_dirs/<config name>``."""
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(config_path))[0])


def _slurm_env() -> dict:
    """RANK / WORLD_SIZE / MASTER_* from slurm variables (as mmengine's slurm launcher)."""
    node_list = os.environ['SLURM_NODELIST']
    addr = subprocess.getoutput(f'scontrol show hostname {node_list} | head -n1')
    return dict(
        RANK=os.environ['SLURM_PROCID'],
        WORLD_SIZE=os.environ['SLURM_NTASKS'],
        LOCAL_RANK=os.environ.get('SLURM_LOCALID', '0'),
        MASTER_ADDR=os.environ.get('MASTER_ADDR', addr),
        MASTER_PORT=os.environ.get('MASTER_PORT', '29500'),
    )


def _mpi_env() -> dict:
    return dict(
        RANK=os.environ['OMPI_COMM_WORLD_RANK'],
        WORLD_SIZE=os.environ['OMPI_COMM_WORLD_SIZE'],
        LOCAL_RANK=os.environ['OMPI_COMM_WORLD_LOCAL_RANK'],
        MASTER_ADDR=os.environ.get('MASTER_ADDR', '127.0.0.1'),
        MASTER_PORT=os.environ.get('MASTER_PORT', '29500'),
    )


def no_forward_buffer_sync() -> dict:
    """DDP keyword that turns off the buffer broadcast before every forward (mmproto syncs
    its state itself): ``forward_sync_buffers=False`` where torch has it (torch >= 2.14
    deprecates ``broadcast_buffers`` with a warning per rank), else ``broadcast_buffers=False``.
    """
    import inspect

    from torch.nn.parallel import DistributedDataParallel

    if 'forward_sync_buffers' in inspect.signature(DistributedDataParallel.__init__).parameters:
        return dict(forward_sync_buffers=False)
    return dict(broadcast_buffers=False)


def setup_cpu_distributed(cfg: Config) -> bool:
    """Join a gloo process group on a CPU-only machine when ``cfg.launcher`` is not 'none'.

    Reads the launcher's environment (``pytorch``: RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT
    as set by torchrun; ``slurm``: SLURM_PROCID, SLURM_NTASKS, SLURM_NODELIST; ``mpi``:
    OMPI_COMM_WORLD_*), initialises ``torch.distributed`` with the gloo backend (timeout from
    ``cfg.env_cfg.dist_cfg.timeout`` when set), records the backend in
    ``cfg.env_cfg.dist_cfg.backend`` (what the logs print) and sets ``cfg.model_wrapper_cfg``
    so that DistributedDataParallel gets ``device_ids=None``.

    Returns:
        bool: True if this call set up CPU distributed training; False when nothing was
        needed (no launcher, CUDA available, or a process group already exists).
    """
    launcher = cfg.get('launcher', 'none')
    if launcher == 'none' or torch.cuda.is_available():
        return False
    if not torch_dist.is_initialized():
        if launcher == 'slurm':
            os.environ.update(_slurm_env())
        elif launcher == 'mpi':
            os.environ.update(_mpi_env())
        elif launcher != 'pytorch':
            raise ValueError(f'unknown launcher {launcher!r}')
        for key in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT'):
            if key not in os.environ:
                raise RuntimeError(
                    f'--launcher {launcher}: environment variable {key} is not set; start '
                    'the processes with tools/dist_train.sh (torchrun) or slurm_train.sh.'
                )
        kwargs = {}
        timeout = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('timeout', None)
        if timeout is not None:
            kwargs['timeout'] = datetime.timedelta(seconds=timeout)
        torch_dist.init_process_group(
            backend='gloo',
            init_method='env://',
            rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']),
            **kwargs,
        )
    # the config dump and mmengine's "Runtime environment" log print env_cfg.dist_cfg: show
    # the backend this process group really uses, not the config's (CUDA) default
    env_cfg = ConfigDict(cfg.get('env_cfg', None) or {})
    env_cfg.dist_cfg = ConfigDict(env_cfg.get('dist_cfg', None) or {})
    env_cfg.dist_cfg.backend = torch_dist.get_backend()
    cfg.env_cfg = env_cfg
    wrapper = ConfigDict(cfg.get('model_wrapper_cfg', None) or {})
    wrapper.setdefault('type', 'MMDistributedDataParallel')
    if 'broadcast_buffers' not in wrapper and 'forward_sync_buffers' not in wrapper:
        wrapper.update(no_forward_buffer_sync())
    wrapper.setdefault('find_unused_parameters', cfg.get('find_unused_parameters', False))
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    return True


def set_torch_threads(cfg: Config) -> Optional[int]:
    """Apply ``cfg.env_cfg.torch_num_threads`` (intra-op threads of this process), if set.

    Small CPU models (e.g. the Fashion-MNIST quick start) run fastest with one thread beside
    the dataloader workers; more threads than free cores make OpenMP spin and can slow a
    step down tenfold. mmengine itself has no such setting. ``OMP_NUM_THREADS`` /
    ``MKL_NUM_THREADS`` default to the same value (the dataloader workers inherit them).
    """
    threads = (cfg.get('env_cfg', None) or {}).get('torch_num_threads', None)
    if threads is not None:
        torch.set_num_threads(int(threads))
        # the config decided: mmengine need not default them to 1 with a warning per rank
        os.environ.setdefault('OMP_NUM_THREADS', str(threads))
        os.environ.setdefault('MKL_NUM_THREADS', str(threads))
    return threads


def build_runner(cfg: Config):
    """Build the Runner of ``cfg`` (``runner_type`` from the config's scope if given), after
    :func:`setup_cpu_distributed` and :func:`set_torch_threads`; misspelt config keys are
    reported (:func:`~mmproto.utils.config_check.check_config_keys`); checkpoint entries of
    another shape than the model's are refused (:func:`check_runner_shapes`)."""
    from mmengine.registry import MODELS, RUNNERS, init_default_scope
    from mmengine.runner import Runner

    from .._warnings import UnusedFileClientFilter
    from .checkpoint import check_runner_shapes
    from .config_check import check_config_keys

    check_config_keys(cfg, MODELS)
    setup_cpu_distributed(cfg)
    set_torch_threads(cfg)
    if 'runner_type' not in cfg:
        runner = Runner.from_cfg(cfg)
    else:
        init_default_scope(config_scope(cfg))  # the custom runner may live in mmseg's RUNNERS
        runner = RUNNERS.build(cfg)
    check_runner_shapes(runner)
    runner.logger.addFilter(UnusedFileClientFilter())
    return runner


def close_distributed() -> None:
    """Destroy the process group (if any) before the interpreter exits: a gloo group left to
    interpreter teardown can abort a rank (``terminate called without an active exception``,
    exit code -6) after the work is done."""
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.barrier()
        torch_dist.destroy_process_group()
