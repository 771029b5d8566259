"""What every benchmark here shares: interleaved timing and the bytes of a module's state.

The scripts import it as ``from _common import ...`` (their own folder is first on the path
when run as ``python tools/benchmarks/<script>.py``).
"""

import statistics
import sys
import time
from typing import Callable, Dict, List, Optional, Tuple, Union

import torch
from torch import nn

Timed = Union[Callable[[], object], Tuple[Callable[[], object], Optional[Callable[[], object]]]]


def sync(device) -> None:
    """Wait for the queued CUDA work of ``device`` (nothing to wait for on a CPU)."""
    if torch.device(device).type == 'cuda':
        torch.cuda.synchronize(device)


def interleaved(
    fns: Dict[str, Timed], repeats: int, device, warmup: int = 1, progress: bool = False
) -> Dict[str, List[Tuple[float, float]]]:
    """``{name: [(wall_s, cpu_s), ...]}``: ``repeats`` timed runs of each ``name: fn`` or
    ``name: (fn, setup)`` (``setup`` runs untimed before every call), in rounds that run every
    function once in turn, after ``warmup`` such rounds, so that a change of the machine's load
    hits all of them alike. ``cpu_s`` is this process's CPU time (all threads): on a shared
    machine it counts the work done rather than the time waited for a core."""
    calls = {name: fn if isinstance(fn, tuple) else (fn, None) for name, fn in fns.items()}
    runs = {name: [] for name in calls}
    for r in range(warmup + max(repeats, 1)):
        for name, (fn, setup) in calls.items():
            if progress:
                stage = 'warming up' if r < warmup else f'round {r - warmup + 1}/{repeats}:'
                print(f'{stage} {name} ...', file=sys.stderr, flush=True)
            if setup is not None:
                setup()
            sync(device)
            w0, c0 = time.perf_counter(), time.process_time()
            fn()
            sync(device)
            if r >= warmup:
                runs[name].append((time.perf_counter() - w0, time.process_time() - c0))
    return runs


def medians(runs: Dict[str, List[Tuple[float, float]]], clock: str = 'wall') -> Dict[str, float]:
    """Median seconds per name of :func:`interleaved` runs, by ``clock`` ``'wall'`` | ``'cpu'``."""
    i = ('wall', 'cpu').index(clock)
    return {name: statistics.median(t[i] for t in v) for name, v in runs.items()}


def paired_ratio(runs: Dict[str, List[Tuple[float, float]]], num: str, den: str) -> float:
    """Median over the rounds of wall time ``num`` / ``den`` (robust to load drift)."""
    return statistics.median(a[0] / b[0] for a, b in zip(runs[num], runs[den]))


def persistent_buffer_bytes(module: nn.Module) -> int:
    """Bytes of the non-parameter state ``module`` saves in a checkpoint (its persistent
    buffers; for DNC the sub-centroids and the memory). Works on the ``meta`` device."""
    state = module.state_dict(keep_vars=True)
    return sum(
        t.numel() * t.element_size() for t in state.values() if not isinstance(t, nn.Parameter)
    )


def resnet50_classifier(head: dict, device) -> nn.Module:
    """mmpretrain's ResNet-50 ``ImageClassifier`` (global average pooling) with ``head``, on
    ``device``: the full training step the head benchmarks compare."""
    from mmpretrain.registry import MODELS

    model = dict(
        type='ImageClassifier',
        backbone=dict(type='ResNet', depth=50),
        neck=dict(type='GlobalAveragePooling'),
        head=head,
    )
    return MODELS.build(model).to(device)
