"""Fixed hyperspherical prototypes: Gaussian-potential optimisation (DL2PA §3.2.1, §4.1),
simplex ETF, HPN-style separation, class-name embeddings, and their geometry statistics.

All functions return ``(C, d)`` tensors with unit-norm rows (one prototype per row).
"""

from typing import Callable, Dict, Optional

import torch
import torch.nn.functional as F
from torch import Tensor

from .uniformity import uniformity_loss


def _check_cd(num_classes: int, dim: int) -> None:
    if num_classes < 2:
        raise ValueError(f'num_classes must be >= 2, got {num_classes}')
    if dim < 1:
        raise ValueError(f'dim (prototype dimension d) must be >= 1, got {dim}')


def optimise_prototypes(
    num_classes: int,
    dim: int,
    iters: int = 1000,
    lr: float = 0.1,
    momentum: float = 0.0,
    batch_size: Optional[int] = None,
    t: float = 2.0,
    seed: int = 0,
    device: str = 'cpu',
    progress: Optional[Callable[[], None]] = None,
) -> Tensor:
    """Equidistributed prototypes by minimising the uniformity loss (Eq. 3-5, Alg. 1, DL2PA).

    Initialisation: entries uniform in ``[-1, 1]``, rows normalised. Each of the ``iters`` SGD
    steps takes the next batch of ``batch_size`` prototype indices from a seeded shuffled pass
    over the ``C`` indices (``None`` = all ``C``, the paper's setting) and minimises
    :func:`uniformity_loss` over the pairs inside the batch; rows are re-normalised after every
    step (paper §3.2.1).

    Step size: the loss averages the potential over the ``B (B-1) / 2`` pairs of a batch of
    ``B`` prototypes, so the gradient reaching one prototype shrinks like ``2 / B``; the SGD
    step is therefore ``lr * B / 2`` (``lr`` is a per-prototype learning rate). With the
    paper's lr 0.1 (§4.1) this converges in the paper's 1000 full-set iterations to the Table 7
    geometry for every C tried; a raw step of 0.1 (what the paper's and the official script's
    settings literally give for C=100) stops far from it (measured: max cosine 0.17 instead of
    0.0 for 100 prototypes in d=100). Pass ``lr=0.2 / B`` for the raw step.

    ``progress`` (e.g. a progress bar's ``update``) is called after every step.

    Returns:
        ``(C, d)`` float32 unit prototypes (on CPU).
    """
    _check_cd(num_classes, dim)
    if iters < 0 or lr <= 0 or not 0 <= momentum < 1:
        raise ValueError(
            f'need iters >= 0, lr > 0, 0 <= momentum < 1; got {iters=}, {lr=}, {momentum=}'
        )
    bs = num_classes if batch_size is None else int(batch_size)
    if not 2 <= bs <= num_classes:
        raise ValueError(f'batch_size must be in [2, num_classes={num_classes}], got {batch_size}')
    g = torch.Generator().manual_seed(seed)
    w0 = torch.rand(num_classes, dim, generator=g, dtype=torch.float64) * 2 - 1
    w = torch.nn.Parameter(F.normalize(w0, dim=1).float().to(device))
    opt = torch.optim.SGD([w], lr=lr * bs / 2, momentum=momentum)
    order = torch.empty(0, dtype=torch.long)

    def batch_loss() -> Tensor:  # classes in seeded random order, ``bs`` at a time
        nonlocal order
        if order.numel() < bs:
            order = torch.cat([order, torch.randperm(num_classes, generator=g)])
        idx, order = order[:bs].to(device), order[bs:]
        return uniformity_loss(w[idx], t=t)

    with torch.autocast(device_type=torch.device(device).type, enabled=False):
        _descend_on_sphere(w, opt, iters, batch_loss, progress)
    return w.detach().cpu()


def _descend_on_sphere(
    w: torch.nn.Parameter,
    opt: torch.optim.Optimizer,
    iters: int,
    loss_fn: Callable[[], Tensor],
    progress: Optional[Callable[[], None]] = None,
) -> None:
    """``iters`` steps of ``opt`` on ``loss_fn()``, the rows of ``w`` re-normalised to unit
    length after each step; ``progress`` is called after every step."""
    for _ in range(iters):
        loss = loss_fn()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            w.copy_(F.normalize(w, dim=1))
        if progress is not None:
            progress()


def simplex_etf(num_classes: int, dim: int, seed: int = 0) -> Tensor:
    """Vertices of a simplex equiangular tight frame in ``R^d`` (Yang et al. 2022; DL2PA §2).

    ``C`` unit vectors with pairwise cosine exactly ``-1/(C-1)``: the centred standard basis
    ``sqrt(C/(C-1)) (e_c - 1/C)`` spans a ``(C-1)``-dim subspace, which is mapped into ``R^d`` by a
    seeded random orthonormal basis. Requires ``d >= C - 1``.
    """
    _check_cd(num_classes, dim)
    if dim < num_classes - 1:
        raise ValueError(
            f'a simplex ETF of num_classes={num_classes} needs dim >= num_classes - 1, '
            f'got dim={dim}'
        )
    c = num_classes
    centred = torch.eye(c, dtype=torch.float64) - 1.0 / c
    # orthonormal basis of the (C-1)-dim subspace orthogonal to the all-ones vector
    basis = torch.linalg.svd(centred)[2][: c - 1]  # (C-1, C)
    coords = centred @ basis.T  # (C, C-1)
    g = torch.Generator().manual_seed(seed)
    q = torch.linalg.qr(torch.randn(dim, c - 1, generator=g, dtype=torch.float64))[0]  # (d, C-1)
    return F.normalize(coords @ q.T, dim=1).float()


def max_separation_prototypes(num_classes: int) -> Tensor:
    """The maximum-separation matrix of Kasarla et al. (NeurIPS 2022, §3), as ``(C, C-1)``.

    The paper defines ``P_1 = [1, -1]`` and, for ``k >= 2``, the ``k x (k+1)`` matrix
    ``P_k = [[1, -1/k 1ᵀ], [0, sqrt(1 - 1/k²) P_{k-1}]]`` (their recursive definition); its
    ``C = k+1`` columns are unit
    vectors in ``R^k`` with pairwise cosine ``-1/k``. Unrolled, row ``i`` of ``P_{C-1}`` is the
    first row of ``P_k`` (``k = C-1-i``) times ``s_i = prod_{j=k+1}^{C-1} sqrt(1 - 1/j²)``: zero
    before column ``i``, ``s_i`` at column ``i`` and ``-s_i / k`` after it. This is built
    directly (float64, ``O(C²)``, no recursion, so ``C = 1000`` takes milliseconds).

    Returns:
        ``(C, C-1)`` float32: row ``c`` is the prototype of class ``c`` (``P_{C-1}ᵀ``).
    """
    _check_cd(num_classes, num_classes - 1)
    d = num_classes - 1
    k = torch.arange(d, 0, -1, dtype=torch.float64)  # k of row i: C-1, ..., 1
    # s_i = prod over the rows above (k' = C-1 .. k+1) of sqrt(1 - 1/k'^2)
    factors = torch.sqrt(1 - 1 / k**2)
    scale = torch.cat([torch.ones(1, dtype=torch.float64), torch.cumprod(factors, 0)[:-1]])
    cols = torch.arange(num_classes)
    rows = torch.arange(d).unsqueeze(1)
    p = torch.where(cols > rows, -1 / k.unsqueeze(1), torch.zeros((), dtype=torch.float64))
    p = torch.where(cols == rows, torch.ones((), dtype=torch.float64), p) * scale.unsqueeze(1)
    return p.T.contiguous().float()


def hpn_prototypes(
    num_classes: int,
    dim: int,
    iters: int = 10000,
    lr: float = 0.1,
    seed: int = 0,
    progress: Optional[Callable[[], None]] = None,
) -> Tensor:
    """HPN prototypes (Mettes et al. 2019), the DL2PA Table 1 / 7 baseline.

    Minimises ``mean_i max_{j != i} (cos_ij + 1)`` from seeded random-normal unit vectors with
    SGD (``lr``), re-normalising after every step. HPN re-creates its momentum optimiser at every
    step, so its momentum never acts: plain SGD steps are the same computation. ``progress``
    is called after every step.
    """
    _check_cd(num_classes, dim)
    g = torch.Generator().manual_seed(seed)
    w = torch.nn.Parameter(F.normalize(torch.randn(num_classes, dim, generator=g), dim=1))
    opt = torch.optim.SGD([w], lr=lr)
    eye = torch.eye(num_classes, dtype=torch.bool)

    def max_cosine_loss() -> Tensor:
        return ((w @ w.T).masked_fill(eye, -2.0).max(dim=1).values + 1).mean()

    _descend_on_sphere(w, opt, iters, max_cosine_loss, progress)
    return w.detach()


def embedding_prototypes(embeddings: Tensor, dim: int) -> Tensor:
    """Prototypes from class-name word embeddings (the Word2Vec baseline, DL2PA Table 1).

    ``embeddings`` is ``(C, e)``; when ``e > d`` the centred embeddings are projected on their
    top-``d`` principal directions (SVD), when ``e == d`` they are used as they are. Rows are
    l2-normalised.
    """
    if embeddings.ndim != 2:
        raise ValueError(f'class embeddings must be (C, e), got shape {tuple(embeddings.shape)}')
    e = embeddings.double()
    if e.size(1) < dim:
        raise ValueError(
            f'class embeddings have {e.size(1)} dims, fewer than the prototype dim d={dim}'
        )
    if e.size(1) > dim:
        centred = e - e.mean(dim=0, keepdim=True)
        v = torch.linalg.svd(centred, full_matrices=False)[2][:dim]  # (d, e)
        e = centred @ v.T
    return F.normalize(e, dim=1).float()


def pairwise_cosine_stats(w: Tensor) -> Dict[str, float]:
    """Max / min / mean off-diagonal cosine and mean nearest-neighbour cosine (DL2PA Table 7)."""
    w = F.normalize(w.double(), dim=1)
    cos = w @ w.T
    off = ~torch.eye(w.size(0), dtype=torch.bool)
    vals = cos[off]
    nn_cos = cos.masked_fill(~off, -2.0).max(dim=1).values
    return dict(
        max=vals.max().item(),
        min=vals.min().item(),
        mean=vals.mean().item(),
        mean_nn=nn_cos.mean().item(),
    )


def check_prototypes(w: Tensor, num_classes: int, dim: int, name: str = 'prototypes') -> Tensor:
    """Validate a ``(C, d)`` prototype tensor; raise naming ``name`` and the field at fault."""
    if not isinstance(w, Tensor) or w.ndim != 2:
        shape = tuple(w.shape) if isinstance(w, Tensor) else type(w).__name__
        raise ValueError(f'{name} must be a 2-D (num_classes, dim) tensor, got {shape}')
    if w.size(0) != num_classes:
        raise ValueError(
            f'{name} has {w.size(0)} prototypes but the head has num_classes={num_classes}'
        )
    if w.size(1) != dim:
        raise ValueError(f'{name} has dim {w.size(1)} but the head expects d (embed_dims)={dim}')
    if not torch.isfinite(w).all():
        raise ValueError(f'{name} contains non-finite values (NaN or Inf)')
    norms = w.norm(dim=1)
    if (norms == 0).any():
        raise ValueError(f'{name} has zero-norm rows: {torch.nonzero(norms == 0).flatten()[:5]}')
    return F.normalize(w.float(), dim=1)
