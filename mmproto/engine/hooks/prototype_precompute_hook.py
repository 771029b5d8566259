"""Fill a head's fixed prototypes before training: load from a cache or compute once, share."""

import os
import os.path as osp
from typing import Optional

import torch
from mmengine import dist
from mmengine.hooks import Hook
from mmengine.registry import HOOKS
from torch import Tensor

from mmproto.models.heads.fixed_prototype_head import FixedPrototypeHead
from mmproto.ops import prototypes as P
from mmproto.utils.checkpoint import load_local_checkpoint

from .utils import get_head

METHODS = ('uniformity', 'etf', 'max_separation', 'hpn', 'word2vec', 'file', 'checkpoint')


def load_prototype_file(path: str, num_classes: int, dim: int, field: str = 'file') -> Tensor:
    """Read ``{'w': (d, C)}`` (the official DL2PA format, also what mmproto writes) as ``(C, d)``.

    Raises a ``ValueError`` naming ``field`` when the file does not fit the head.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'PrototypePrecomputeHook.{field}={path!r} does not exist')
    obj = torch.load(path, map_location='cpu', weights_only=True)
    if not isinstance(obj, dict) or 'w' not in obj:
        raise ValueError(f"PrototypePrecomputeHook.{field}={path!r} must hold a dict with key 'w'")
    w = obj['w']
    if not isinstance(w, Tensor) or w.ndim != 2:
        raise ValueError(f"PrototypePrecomputeHook.{field}: 'w' must be a (d, C) tensor")
    if w.size(1) != num_classes:
        raise ValueError(
            f"PrototypePrecomputeHook.{field}={path!r}: 'w' has {w.size(1)} prototypes (columns) "
            f'but the head has num_classes={num_classes}'
        )
    if w.size(0) != dim:
        raise ValueError(
            f"PrototypePrecomputeHook.{field}={path!r}: 'w' has dim d={w.size(0)} (rows) but the "
            f'head expects in_channels={dim}'
        )
    return P.check_prototypes(w.T.contiguous(), num_classes, dim, f'{field} {path!r}')


def load_class_embeddings(path: str) -> Tensor:
    """Class-name embeddings ``(C, e)`` from ``.npy``, ``.pth``/``.pt`` (a tensor or a dict with
    ``'embeddings'`` or ``'w'``) or text with one ``name v1 v2 ...`` (or ``v1 v2 ...``) line per
    class, in class order."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'PrototypePrecomputeHook.embedding_file={path!r} does not exist')
    if path.endswith('.npy'):
        import numpy as np

        return torch.from_numpy(np.load(path)).float()
    if path.endswith(('.pth', '.pt')):
        obj = torch.load(path, map_location='cpu', weights_only=True)
        obj = obj.get('embeddings', obj.get('w')) if isinstance(obj, dict) else obj
        return torch.as_tensor(obj).float()
    rows = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            try:
                float(parts[0])
            except ValueError:
                parts = parts[1:]
            rows.append([float(v) for v in parts])
    return torch.tensor(rows)


@HOOKS.register_module()
class PrototypePrecomputeHook(Hook):
    """Provide the fixed ``(C, d)`` prototypes of a ``FixedPrototypeHead`` (DL2PA §3.2.1).

    Before training / testing, if the head's prototypes are not set yet (a resumed or loaded
    checkpoint already holds them), rank 0 loads them from ``cache_dir`` or computes and caches
    them; every rank then receives the same tensor by broadcast.

    Args:
        method: ``'uniformity'`` (Eq. 3-5, the DL2PA prototypes), ``'etf'`` (simplex ETF,
            ``d >= C-1``), ``'max_separation'`` (Kasarla et al.'s closed-form matrix,
            ``d = C-1``; deterministic, never cached), ``'hpn'`` (HPN baseline),
            ``'word2vec'`` (class-name embeddings from ``embedding_file``, reduced to ``d``),
            ``'file'`` (a user file ``{'w': (d, C)}``),
            ``'checkpoint'`` (rows of ``checkpoint_key`` in ``checkpoint``, e.g. a trained linear
            head: the Ours* baseline).
        seed: seed of the random initialisation. iters, lr, momentum, t, batch_size: uniformity
            optimisation (see ``optimise_prototypes``). hpn_iters: HPN steps.
        cache_dir: where computed prototypes are stored as ``{'w': (d, C)}``; ``None`` = no cache.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(
        self,
        method: str = 'uniformity',
        seed: int = 0,
        iters: int = 1000,
        lr: float = 0.1,
        momentum: float = 0.0,
        t: float = 2.0,
        batch_size: Optional[int] = None,
        hpn_iters: int = 10000,
        cache_dir: Optional[str] = 'data/prototypes',
        file: Optional[str] = None,
        embedding_file: Optional[str] = None,
        checkpoint: Optional[str] = None,
        checkpoint_key: str = 'head.fc.weight',
    ):
        if method not in METHODS:
            raise ValueError(
                f'PrototypePrecomputeHook.method must be one of {METHODS}, got {method!r}'
            )
        need = dict(file=file, word2vec=embedding_file, checkpoint=checkpoint)
        field = dict(file='file', word2vec='embedding_file', checkpoint='checkpoint')
        if method in need and not need[method]:
            raise ValueError(
                f"PrototypePrecomputeHook(method='{method}') needs {field[method]}=..."
            )
        self.method, self.seed, self.iters, self.lr = method, seed, iters, lr
        self.momentum, self.t, self.batch_size, self.hpn_iters = momentum, t, batch_size, hpn_iters
        self.cache_dir, self.file, self.embedding_file = cache_dir, file, embedding_file
        self.checkpoint, self.checkpoint_key = checkpoint, checkpoint_key

    def cache_path(self, num_classes: int, dim: int) -> Optional[str]:
        if self.cache_dir is None or self.method in (
            'file',
            'checkpoint',
            'word2vec',
            'max_separation',
        ):
            return None
        tag = f'{self.method}_c{num_classes}_d{dim}_seed{self.seed}'
        if self.method == 'uniformity':
            bs = self.batch_size or num_classes
            tag += f'_it{self.iters}_lr{self.lr:g}_m{self.momentum:g}_t{self.t:g}_bs{bs}'
        elif self.method == 'hpn':
            tag += f'_it{self.hpn_iters}'
        return osp.join(self.cache_dir, tag + '.pth')

    def compute(self, num_classes: int, dim: int, device: str = 'cpu', progress=None) -> Tensor:
        """``(C, d)`` unit prototypes (cache read / write included); ``progress`` is called
        after every optimisation step (``uniformity``, ``hpn``)."""
        path = self.cache_path(num_classes, dim)
        if path is not None and osp.isfile(path):
            return load_prototype_file(path, num_classes, dim, field='cache_dir')
        if self.method == 'uniformity':
            w = P.optimise_prototypes(
                num_classes, dim, self.iters, self.lr, self.momentum, self.batch_size, self.t,
                self.seed, device, progress,
            )  # fmt: skip
        elif self.method == 'etf':
            w = P.simplex_etf(num_classes, dim, self.seed)
        elif self.method == 'max_separation':
            if dim != num_classes - 1:
                raise ValueError(
                    "PrototypePrecomputeHook(method='max_separation') needs the head's "
                    f'in_channels = num_classes - 1 = {num_classes - 1}, got {dim}'
                )
            w = P.max_separation_prototypes(num_classes)
        elif self.method == 'hpn':
            w = P.hpn_prototypes(
                num_classes, dim, self.hpn_iters, seed=self.seed, progress=progress
            )
        elif self.method == 'word2vec':
            emb = load_class_embeddings(self.embedding_file)
            if emb.ndim != 2 or emb.size(0) != num_classes:
                raise ValueError(
                    f'PrototypePrecomputeHook.embedding_file={self.embedding_file!r} has '
                    f'{emb.shape[0] if emb.ndim else 0} class rows, the head has '
                    f'num_classes={num_classes}'
                )
            w = P.embedding_prototypes(emb, dim)
        elif self.method == 'file':
            return load_prototype_file(self.file, num_classes, dim, field='file')
        else:
            w = self._from_checkpoint(num_classes, dim)
        w = P.check_prototypes(w, num_classes, dim, f'{self.method} prototypes')
        if path is not None:
            os.makedirs(osp.dirname(path) or '.', exist_ok=True)
            # write then rename: runs started side by side never read a half-written cache
            tmp = f'{path}.{os.getpid()}.tmp'
            torch.save(dict(w=w.T.contiguous().cpu(), method=self.method, seed=self.seed), tmp)
            os.replace(tmp, path)
        return w

    def _from_checkpoint(self, num_classes: int, dim: int) -> Tensor:
        if not osp.isfile(self.checkpoint):
            raise FileNotFoundError(
                f'PrototypePrecomputeHook.checkpoint={self.checkpoint!r} not found'
            )
        ckpt = load_local_checkpoint(self.checkpoint, map_location='cpu')
        state = ckpt.get('state_dict', ckpt)
        if self.checkpoint_key not in state:
            raise KeyError(
                f'PrototypePrecomputeHook.checkpoint_key={self.checkpoint_key!r} is not in '
                f'{self.checkpoint!r} (keys like {list(state)[-3:]})'
            )
        w = state[self.checkpoint_key].float()
        return P.check_prototypes(w, num_classes, dim, f'checkpoint_key {self.checkpoint_key!r}')

    def _ensure(self, runner) -> None:
        head = get_head(runner, FixedPrototypeHead, 'PrototypePrecomputeHook')
        if bool(head.prototypes_initialized):
            return
        c, d = head.num_classes, head.in_channels
        device = head.prototypes.device
        w, error = torch.zeros(c, d, device=device), None
        if dist.get_rank() == 0:
            try:
                w = self.compute(c, d, device=str(device)).to(device)
            except Exception as e:  # re-raised below, after telling the other ranks
                error = e
        failed = torch.tensor([error is not None], dtype=torch.uint8, device=device)
        dist.broadcast(failed, src=0)
        if error is not None:
            raise error
        if bool(failed):
            raise RuntimeError('PrototypePrecomputeHook failed on rank 0 (see its log)')
        dist.broadcast(w, src=0)
        if dist.get_rank() == 0:
            stats = P.pairwise_cosine_stats(w.cpu())
            runner.logger.info(
                f'PrototypePrecomputeHook: {self.method} prototypes ({c}, {d}), pairwise cosine '
                + ', '.join(f'{k} {v:.4f}' for k, v in stats.items())
            )
        head.set_prototypes(w, name=f'{self.method} prototypes')

    def before_train(self, runner) -> None:
        self._ensure(runner)

    def before_val(self, runner) -> None:
        self._ensure(runner)

    def before_test(self, runner) -> None:
        self._ensure(runner)
