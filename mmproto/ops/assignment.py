"""Bijective label-to-prototype assignment (DL2PA §3.2.3, Eq. 9), solved exactly.

``A*(c)`` is the index of the prototype given to class ``c``; it maximises the summed cosine
between the class representatives ``z̄_c`` and their prototypes ``w_A(c)`` over all
permutations. The linear assignment problem is solved exactly: ``'sparse'`` (default) solves
it on each row's cheapest candidates with scipy's sparse matching and certifies the result
optimal for the dense costs by LP duality (:mod:`.sparse_assignment`), falling back to
scipy's dense ``linear_sum_assignment`` (``'scipy'``) when no certificate is reached; the
Jonker-Volgenant solvers of the ``lapjv`` or ``lap`` packages can be chosen when installed
(measured side by side in ``tools/benchmarks/dl2pa_assignment.py``).
"""

import importlib
from typing import Callable, Dict, Optional

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from .sparse_assignment import certified_sparse_assignment


def _scipy(cost: np.ndarray) -> np.ndarray:
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(cost)
    out = np.empty(cost.shape[0], dtype=np.int64)
    out[rows] = cols
    return out


def _lapjv(cost: np.ndarray) -> np.ndarray:
    lapjv = importlib.import_module('lapjv')
    return np.asarray(lapjv.lapjv(np.ascontiguousarray(cost))[0], dtype=np.int64)


def _lap(cost: np.ndarray) -> np.ndarray:
    lap = importlib.import_module('lap')
    return np.asarray(lap.lapjv(np.ascontiguousarray(cost), extend_cost=False)[1], np.int64)


# below this many classes scipy's dense solve is faster (measured: tens of ms at C <= 2000)
SPARSE_MIN_SIZE = 2048


def _sparse(cost: np.ndarray, init: Optional[np.ndarray] = None) -> np.ndarray:
    """Certified sparse solve for ``C >= SPARSE_MIN_SIZE``; scipy's dense solve below that or
    when no certificate is reached (same optimum either way)."""
    if cost.shape[0] < SPARSE_MIN_SIZE:
        return _scipy(cost)
    out = certified_sparse_assignment(cost, init=init)
    return _scipy(cost) if out is None else out


SOLVERS: Dict[str, Callable[[np.ndarray], np.ndarray]] = dict(
    sparse=_sparse, scipy=_scipy, lapjv=_lapjv, lap=_lap
)


def solve_linear_assignment(
    cost: np.ndarray, solver: str = 'sparse', init: Optional[np.ndarray] = None
) -> np.ndarray:
    """Exact minimum-cost perfect matching of a square ``(C, C)`` cost matrix.

    Args:
        cost: ``(C, C)`` finite costs.
        solver: ``'sparse'`` (certified sparse solve, scipy fallback) | ``'scipy'`` |
            ``'lapjv'`` | ``'lap'``.
        init: optional ``(C,)`` permutation (e.g. the previous assignment) that ``'sparse'``
            keeps among its candidates; ignored by the others.

    Returns:
        ``(C,)`` int64 array ``col`` with row ``i`` matched to column ``col[i]``.
    """
    if solver not in SOLVERS:
        raise ValueError(f'unknown assignment solver={solver!r}; choose one of {sorted(SOLVERS)}')
    if cost.ndim != 2 or cost.shape[0] != cost.shape[1]:
        raise ValueError(f'assignment cost must be a square matrix, got shape {cost.shape}')
    if not np.isfinite(cost).all():
        raise ValueError('assignment cost contains non-finite values (NaN or Inf)')
    try:
        if solver == 'sparse':
            return _sparse(cost, init)
        return SOLVERS[solver](cost)
    except ImportError as e:
        raise ImportError(
            f'assignment solver={solver!r} needs the {solver!r} package (pip install {solver}); '
            "solver='scipy' needs nothing extra"
        ) from e


@torch.no_grad()
def assignment_scores(class_means: Tensor, prototypes: Tensor) -> Tensor:
    """``S[c, j] = cos(z̄_c, w_j)`` in fp32 (the objective of Eq. 9), shape ``(C, C)``."""
    if class_means.shape != prototypes.shape:
        raise ValueError(
            f'class_means {tuple(class_means.shape)} and prototypes {tuple(prototypes.shape)} '
            'must both be (num_classes, dim)'
        )
    with torch.autocast(device_type=class_means.device.type, enabled=False):
        return F.normalize(class_means.float(), dim=1) @ F.normalize(prototypes.float(), dim=1).T


@torch.no_grad()
def label_to_prototype_assignment(
    class_means: Tensor, prototypes: Tensor, solver: str = 'sparse', init: Optional[Tensor] = None
) -> Tensor:
    """Optimal bijective assignment ``A* = argmax_A sum_c cos(z̄_c, w_A(c))`` (Eq. 9, DL2PA).

    Args:
        class_means: ``(C, d)`` class representatives ``z̄`` (momentum class means).
        prototypes: ``(C, d)`` fixed prototypes ``W`` (one per row).
        solver: ``'sparse'`` | ``'scipy'`` | ``'lapjv'`` | ``'lap'`` (all exact).
        init: optional ``(C,)`` previous assignment (candidates of ``'sparse'``).

    Returns:
        ``(C,)`` int64 permutation on the device of ``class_means``: class ``c`` -> prototype.
    """
    scores = assignment_scores(class_means, prototypes)
    cost = -scores.cpu().double().numpy()
    start = None if init is None else init.detach().cpu().numpy()
    out = solve_linear_assignment(cost, solver, start)
    return torch.from_numpy(out).to(class_means.device)
