"""Run a function in several CPU processes joined by a gloo process group.

Also sets the environment mmengine's ``init_dist('pytorch')`` and ``Runner.wrap_model`` read
(``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT``), so a Runner built
inside ``fn`` with ``launcher='pytorch'`` joins the already initialised group.
"""

import os
import socket
from typing import Any, Callable, Sequence

import torch.distributed as dist
import torch.multiprocessing as mp


def find_free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _worker(rank: int, world_size: int, port: int, fn: Callable, args: Sequence[Any]) -> None:
    os.environ.update(
        RANK=str(rank),
        LOCAL_RANK=str(rank),
        WORLD_SIZE=str(world_size),
        MASTER_ADDR='127.0.0.1',
        MASTER_PORT=str(port),
    )
    os.environ.setdefault('OMP_NUM_THREADS', '1')
    import torch

    torch.set_num_threads(1)
    dist.init_process_group('gloo', rank=rank, world_size=world_size)
    try:
        fn(rank, world_size, *args)
        dist.barrier()
    finally:
        dist.destroy_process_group()


def run_distributed(fn: Callable, world_size: int = 2, args: Sequence[Any] = ()) -> None:
    """Call ``fn(rank, world_size, *args)`` in ``world_size`` spawned processes (gloo, CPU).

    ``fn`` must be importable (module level). Results are exchanged through files, e.g. a
    ``tmp_path`` passed in ``args``. An exception in any process fails the call.
    """
    port = find_free_port()
    mp.spawn(_worker, args=(world_size, port, fn, tuple(args)), nprocs=world_size, join=True)
