"""Sub-centroids of DNC with their memory and the update of Alg. 1 (shared by cls and seg)."""

import inspect
from typing import Callable, Dict, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmengine import dist
from mmengine.logging import print_log
from torch import Tensor, nn

from mmproto.ops import (
    assign_from_transport,
    classwise_cluster_statistics,
    classwise_sinkhorn,
    classwise_spherical_kmeans,
    expand_valid,
    momentum_update_rows,
    own_class_similarity,
    step_generator,
    subcentroid_statistics,
)
from mmproto.ops.own_class_similarity import check_labels

from .dist import all_gather_varlen, all_reduce_sum, broadcast_
from .feature_memory import FeatureMemory
from .shape_check import CheckpointShapeError

ASSIGN_MODES = ('sinkhorn_argmax', 'sinkhorn_gumbel', 'kmeans')
SYNC_MODES = ('gather', 'reduce')
INIT_MODES = ('random', 'samples')


def split_bank_args(kwargs: dict) -> dict:
    """Remove the :class:`SubCentroidBank` arguments from ``kwargs`` (in place) and return
    them: how a head taking its own and upstream arguments forwards the bank's."""
    return {name: kwargs.pop(name) for name in BANK_ARGS if name in kwargs}


class SubCentroidBank(nn.Module):
    """``C x K`` unit-norm sub-centroids ``p^c_k`` estimated by class-wise clustering (DNC).

    State (persistent buffers at full shape, identical on every rank):
    ``prototypes [C, Kmax, D]``, ``valid [C, Kmax]`` (Table 23: per-class K),
    ``initialized [C]`` (class has sub-centroids; False until seen with ``init='samples'``),
    ``num_updates []`` and, with ``memory_size > 0``, ``memory.{features, labels, correct,
    ptr}``.

    :meth:`update` implements Alg. 1 (DNC): push the (gathered) batch into the FIFO memory,
    cluster memory samples within each class (Sinkhorn Eq. 5-6 + argmax, or Gumbel, or
    k-means), keep only correctly classified samples and move each sub-centroid by Eq. 8.

    Args (the one definition of DNC's clustering arguments: ``DNCHead`` and the DNC decode
    heads forward theirs here under the same names, :func:`split_bank_args`):
        num_classes: C.
        embed_dim: D (the heads' ``in_channels`` / ``channels``).
        num_subcentroids: K (paper: 4 for classification, 10 for segmentation), or one K_c per
            class (Table 23); slots beyond K_c are invalid (score -inf, never updated).
        momentum: ``mu`` of Eq. 8 (paper: 0.999).
        sinkhorn_eps: ``epsilon`` of Eq. 6 (paper: 0.05).
        sinkhorn_iters: Sinkhorn-Knopp iterations (paper: 3).
        assign: ``'sinkhorn_argmax'`` (paper), ``'sinkhorn_gumbel'`` (ProtoSeg) or
            ``'kmeans'`` (Table 17).
        kmeans_iters: Lloyd iterations of ``'kmeans'``.
        update_only_correct: only correctly classified samples move sub-centroids (Alg. 1).
        memory_size: samples in the FIFO memory = memory batches x global batch size (paper:
            1000 batches on ImageNet, 100 on CIFAR); 0 clusters the current batch only. The
            current batch is pushed first, so the clustered set is the memory including the
            current batch.
        memory_dtype: storage dtype of the memory features (``'float32'``, ``'float16'``...).
        memory_mode: ``'fifo'`` (paper: cluster the queue every iteration) | ``'flush'``
            (released code: accumulate ``memory_size`` samples, cluster once, empty; with 1000
            global batches the sub-centroids move every 1000 iterations; ``sync='gather'``).
        sync: ``'gather'`` (classification default): the batch is all-gathered before memory
            and clustering, so every rank holds bit-identical memory and sub-centroids.
            ``'reduce'`` (segmentation default): each rank clusters its own samples while the
            Sinkhorn marginals and per-(c, k) sums/counts are all-reduced (variable pixel
            counts); the memory, if any, stays rank-local.
        init: ``'random'``: truncated normal (std ``init_std``) then l2, like the official
            code. ``'samples'``: a class's sub-centroids are set to random samples of that
            class the first time it is clustered (its update is skipped that iteration).
        init_std: std of the random init.
        normalize_mean: Eq. 8 uses the mean of the cluster (False); True uses the
            l2-normalised sum as the released code.
        seed: seed of the Gumbel noise / sample picks (offset by ``num_updates``, so runs are
            reproducible and resumable).
        chunk_rows: rows processed at once in the clustering (bounds the fp32 working
            memory; default: 16 MiB buffers).
    """

    def __init__(
        self,
        num_classes: int,
        embed_dim: int,
        num_subcentroids: Union[int, Sequence[int]] = 4,
        momentum: float = 0.999,
        sinkhorn_eps: float = 0.05,
        sinkhorn_iters: int = 3,
        assign: str = 'sinkhorn_argmax',
        kmeans_iters: int = 10,
        update_only_correct: bool = True,
        memory_size: int = 0,
        memory_dtype: Union[str, torch.dtype] = 'float32',
        memory_mode: str = 'fifo',
        sync: str = 'gather',
        init: str = 'random',
        init_std: float = 0.02,
        normalize_mean: bool = False,
        seed: int = 0,
        chunk_rows: Optional[int] = None,
    ):
        super().__init__()
        if int(num_classes) < 1:
            raise ValueError(f'num_classes must be >= 1, got {num_classes}')
        if int(embed_dim) < 1:
            raise ValueError(f'in_channels / embed_dim must be >= 1, got {embed_dim}')
        ks = self._per_class_k(num_subcentroids, num_classes)
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f'momentum must be in [0, 1], got {momentum}')
        if sinkhorn_eps <= 0 or sinkhorn_iters < 1:
            raise ValueError(
                f'sinkhorn_eps must be > 0 and sinkhorn_iters >= 1, got {sinkhorn_eps}, '
                f'{sinkhorn_iters}'
            )
        for name, value, choices in (
            ('assign', assign, ASSIGN_MODES),
            ('sync', sync, SYNC_MODES),
            ('init', init, INIT_MODES),
        ):
            if value not in choices:
                raise ValueError(f'{name} must be one of {choices}, got {value!r}')
        if memory_size < 0:
            raise ValueError(f'memory_size must be >= 0, got {memory_size}')
        if memory_mode == 'flush' and (memory_size == 0 or sync != 'gather'):
            raise ValueError(
                "memory_mode='flush' needs memory_size > 0 and sync='gather' (every rank must "
                f'fill and flush together), got memory_size={memory_size}, sync={sync!r}'
            )
        self.num_classes, self.embed_dim = int(num_classes), int(embed_dim)
        self.num_subcentroids = max(ks)
        self.momentum = momentum
        self.sinkhorn_eps, self.sinkhorn_iters = sinkhorn_eps, sinkhorn_iters
        self.assign, self.kmeans_iters = assign, kmeans_iters
        self.update_only_correct, self.sync, self.init = update_only_correct, sync, init
        self.normalize_mean, self.seed, self.chunk_rows = normalize_mean, seed, chunk_rows

        valid = torch.arange(self.num_subcentroids)[None, :] < torch.tensor(ks)[:, None]
        protos = torch.zeros(num_classes, self.num_subcentroids, embed_dim)
        nn.init.trunc_normal_(protos, std=init_std)
        protos = F.normalize(protos, dim=-1) * valid[..., None]
        self.register_buffer('prototypes', protos)
        self.register_buffer('valid', valid)
        self.register_buffer('initialized', torch.full((num_classes,), init == 'random'))
        self.register_buffer('num_updates', torch.zeros((), dtype=torch.long))
        self.memory = (
            FeatureMemory(memory_size, embed_dim, memory_dtype, memory_mode)
            if memory_size
            else None
        )

    @staticmethod
    def _per_class_k(num_subcentroids: Union[int, Sequence[int]], num_classes: int) -> list:
        if isinstance(num_subcentroids, int):
            ks = [num_subcentroids] * num_classes
        else:
            ks = [int(k) for k in num_subcentroids]
            if len(ks) != num_classes:
                raise ValueError(
                    f'num_subcentroids has {len(ks)} entries for num_classes={num_classes}'
                )
        if min(ks) < 1:
            raise ValueError(f'num_subcentroids (K) must be >= 1 for every class, got {min(ks)}')
        return ks

    # ------------------------------------------------------------------ scoring (Eq. 4, 7)
    def similarity(self, x: Tensor) -> Tensor:
        """Cosine ``<x_n, p^c_k>`` of unit-norm ``x [N, D]`` -> ``[N, C, Kmax]`` (invalid: -inf)."""
        c, k, d = self.prototypes.shape
        sims = (x @ self.prototypes.view(c * k, d).to(x.dtype).t()).view(-1, c, k)
        if not bool(self.valid.all()):
            sims = sims.masked_fill(~self.valid, float('-inf'))
        return sims

    def class_scores(self, x: Tensor) -> Tensor:
        """Eq. 4 / 7 (DNC): score of class c = max_k cosine to its sub-centroids, ``[N, C]``."""
        return self.similarity(x).amax(dim=-1)

    # ------------------------------------------------------------------ update (Alg. 1)
    def _reducer(self) -> Optional[Callable[[Tensor], Tensor]]:
        if self.sync == 'reduce' and dist.get_world_size() > 1:
            return all_reduce_sum
        return None

    def _generator(self, device: torch.device, stream: int) -> torch.Generator:
        return step_generator(self.seed, int(self.num_updates), stream, device)

    @torch.no_grad()
    def update(
        self, x: Tensor, labels: Tensor, correct: Optional[Tensor] = None, cluster: bool = True
    ) -> Dict[str, float]:
        """One step of Alg. 1 (DNC) on a batch of embeddings.

        Args:
            x: ``[N, D]`` l2-normalised embeddings (detached here, fp32).
            labels: ``[N]`` hard labels; ``< 0`` are ignored (e.g. seg ignore pixels).
            correct: ``[N]`` bool, argmax of the logits == label at forward time (Alg. 1's
                mask). Required with ``update_only_correct``.
            cluster: False only pushes into the memory (hook interval > 1).

        Returns:
            Scalars to log.
        """
        with torch.autocast(device_type=x.device.type, enabled=False):
            return self._update(x, labels, correct, cluster)

    def _update(self, x, labels, correct, cluster) -> Dict[str, float]:
        if x.ndim != 2 or x.shape[1] != self.embed_dim:
            raise ValueError(
                f'embeddings of shape {tuple(x.shape)} for a bank of embed_dim {self.embed_dim}'
            )
        if labels.shape != x.shape[:1]:
            raise ValueError(f'labels of shape {tuple(labels.shape)} for {x.shape[0]} samples')
        check_labels(labels, self.num_classes)
        if correct is None:
            if self.update_only_correct:
                raise ValueError('update_only_correct=True needs the `correct` flags')
            correct = torch.ones_like(labels, dtype=torch.bool)
        x, labels, correct = x.detach().float(), labels.long(), correct.bool()
        if self.sync == 'gather' and dist.get_world_size() > 1:
            x = all_gather_varlen(x)
            labels = all_gather_varlen(labels)
            correct = all_gather_varlen(correct.to(torch.uint8)).bool()
        if self.memory is not None:  # only labelled samples enter the memory; without one,
            keep = labels >= 0  # the ops skip label < 0 themselves (no copy of the batch)
            x, labels, correct = x[keep], labels[keep], correct[keep]
        reduce = self._reducer()

        if self.memory is not None:
            if x.shape[0] > self.memory.size:
                raise ValueError(
                    f'memory_size ({self.memory.size}) is smaller than the global batch '
                    f'({x.shape[0]} samples); use 0 or a multiple of the global batch size'
                )
            self.memory.push(x, labels, correct)
        stats = {}
        if self.memory is not None:
            stats['memory_fill'] = self.memory.num_filled() / self.memory.size
        if not cluster or (self.memory is not None and not self.memory.ready()):
            return stats
        if self.memory is not None:
            feats, labels, correct = self.memory.features, self.memory.labels, self.memory.correct
        else:
            feats = x

        fresh = self._init_from_samples(feats, labels) if self.init == 'samples' else None
        weight = correct if self.update_only_correct else labels >= 0
        if fresh is not None:
            weight = weight & ~fresh[labels.clamp(min=0)]
        fused = None
        if self.assign != 'kmeans' and reduce is None:  # one read of the features
            mode = 'gumbel' if self.assign == 'sinkhorn_gumbel' else 'argmax'
            fused = classwise_cluster_statistics(
                feats, labels, weight, self.prototypes, self.valid, self.sinkhorn_eps,
                self.sinkhorn_iters, mode,
                self._generator(feats.device, 0) if mode == 'gumbel' else None,
                self.chunk_rows,
            )  # fmt: skip
        if fused is not None:
            _, sums, counts = fused
        else:  # k-means, per-rank marginals, or a class larger than a chunk: two reads
            assign = self.assign_subcentroids(feats, labels)
            sums, counts = subcentroid_statistics(
                feats, labels, assign, weight, self.num_classes, self.num_subcentroids,
                self.chunk_rows,
            )  # fmt: skip
        if reduce is not None:
            sums, counts = reduce(sums), reduce(counts)
        counts = counts * self.valid
        idx, rows = momentum_update_rows(
            self.prototypes, sums, counts, self.momentum, self.normalize_mean
        )
        self.prototypes.view(-1, self.embed_dim).index_copy_(0, idx, rows)
        if self.sync == 'gather' and self.prototypes.device.type != 'cpu':
            broadcast_(self.prototypes)  # scatter-adds on GPU are not bit-reproducible
        self.num_updates += 1
        n = max(int((labels >= 0).sum()), 1)
        stats['subcentroid_moved'] = float((counts > 0).sum()) / float(self.valid.sum())
        stats['subcentroid_correct'] = float((correct & (labels >= 0)).sum()) / n
        if self.memory is not None:
            self.memory.consumed()  # 'flush': empty it (after the stats that read it)
        return stats

    @torch.no_grad()
    def assign_subcentroids(self, x: Tensor, labels: Tensor) -> Tensor:
        """Class-wise clustering step of Alg. 1 (Eq. 5-6, DNC): the sub-centroid of its own
        class each sample is assigned to, ``[N]`` long (-1 for ``label < 0``).

        Sinkhorn (+ argmax or Gumbel) or k-means per ``assign``; with ``sync='reduce'`` under
        DDP the marginals are global (a collective: call it on every rank). Also used for the
        targets of the ProtoSeg losses of the DNC decode heads.
        """
        with torch.autocast(device_type=x.device.type, enabled=False):
            x = x.detach()  # any float dtype (fp16 memory): the ops compute in fp32 chunks
            reduce = self._reducer()
            if self.assign == 'kmeans':
                return classwise_spherical_kmeans(
                    x, labels, self.prototypes, self.kmeans_iters, self.valid, reduce
                )
            allowed = expand_valid(self.valid, labels, self.num_subcentroids)
            sims = own_class_similarity(x, labels, self.prototypes, chunk_rows=self.chunk_rows)
            q = classwise_sinkhorn(
                sims, labels, self.num_classes, self.sinkhorn_eps, self.sinkhorn_iters,
                self.valid, reduce,
            )  # fmt: skip
            mode = 'gumbel' if self.assign == 'sinkhorn_gumbel' else 'argmax'
            gen = self._generator(x.device, 0) if mode == 'gumbel' else None
            return assign_from_transport(q, mode, gen, allowed)

    def _init_from_samples(self, feats: Tensor, labels: Tensor) -> Tensor:
        """``init='samples'``: give each unseen class present here K_c random own samples.

        Returns the ``[C]`` mask of classes initialised now (their update is skipped).
        """
        keep = (labels >= 0).nonzero().squeeze(1)
        counts = torch.bincount(labels[keep], minlength=self.num_classes)
        fresh = ~self.initialized & (counts > 0)
        if self.sync == 'reduce' and dist.get_world_size() > 1:
            fresh = broadcast_(fresh.to(torch.uint8)).bool()  # rank 0 decides
        if not bool(fresh.any()):
            return fresh
        gen = self._generator(feats.device, 1)
        r = torch.rand(keep.numel(), generator=gen, device=feats.device)
        order = keep[torch.argsort(r)]
        order = order[torch.argsort(labels[order], stable=True)]  # by class, random within
        start = counts.cumsum(0) - counts
        k = torch.arange(self.num_subcentroids, device=feats.device)
        pos = start[:, None] + k[None, :] % counts.clamp(min=1)[:, None]  # [C, K]
        pos = pos.clamp(max=max(order.numel() - 1, 0))
        picked = F.normalize(feats[order[pos.view(-1)]].float(), dim=-1).view_as(self.prototypes)
        use = (fresh & (counts > 0))[:, None] & self.valid
        self.prototypes.copy_(torch.where(use[..., None], picked, self.prototypes))
        if self.sync == 'reduce' and dist.get_world_size() > 1:
            broadcast_(self.prototypes)
        self.initialized |= fresh
        return fresh

    # ------------------------------------------------------------------ checkpoints
    def _load_from_state_dict(
        self, state_dict, prefix, local_metadata, strict, missing, unexpected, errors
    ) -> None:
        """Refuse a checkpoint of another (C, K, D) with a clear error; accept the official
        DNC checkpoints (``prototypes`` only); reset the memory if its size changed."""
        for name in ('prototypes', 'valid'):
            key = prefix + name
            if key in state_dict and state_dict[key].shape != getattr(self, name).shape:
                c, k, d = self.prototypes.shape
                raise CheckpointShapeError(
                    f'checkpoint entry {key} has shape {tuple(state_dict[key].shape)} but the '
                    f'model has num_classes={c}, num_subcentroids={k}, embed dim={d} '
                    f'({name} {tuple(getattr(self, name).shape)}); the checkpoint was trained '
                    'for another (C, K, D)'
                )
        if prefix + 'valid' not in state_dict and prefix + 'prototypes' in state_dict:
            state_dict[prefix + 'valid'] = self.valid.clone()  # official checkpoints
        if prefix + 'initialized' not in state_dict and prefix + 'prototypes' in state_dict:
            state_dict[prefix + 'initialized'] = torch.ones_like(self.initialized)
        if prefix + 'num_updates' not in state_dict and prefix + 'prototypes' in state_dict:
            state_dict[prefix + 'num_updates'] = torch.zeros_like(self.num_updates)
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing, unexpected, errors
        )
        if self.memory is not None:
            mkey = prefix + 'memory.features'
            if mkey in state_dict and state_dict[mkey].shape != self.memory.features.shape:
                print_log(
                    f'{mkey}: checkpoint memory {tuple(state_dict[mkey].shape)} differs from '
                    f'the configured {tuple(self.memory.features.shape)}; starting with an '
                    'empty memory',
                    logger='current',
                    level=30,
                )
                for name in ('features', 'labels', 'correct', 'ptr'):
                    state_dict.pop(prefix + 'memory.' + name, None)

    def extra_repr(self) -> str:
        c, k, d = self.prototypes.shape
        return (
            f'num_classes={c}, num_subcentroids={k}, embed_dim={d}, momentum={self.momentum}, '
            f'assign={self.assign!r}, sync={self.sync!r}, init={self.init!r}'
        )


# the arguments a head forwards to the bank (all but the shapes it derives itself)
BANK_ARGS = tuple(inspect.signature(SubCentroidBank.__init__).parameters)[3:]
