"""DNC classifier: embeddings -> nearest sub-centroid scores (Eq. 4, 7), shared by cls and seg."""

from typing import Dict, Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .post_step_update_mixin import PostStepUpdateMixin
from .subcentroid_bank import BANK_ARGS, SubCentroidBank

LOGIT_NORMS = ('layernorm', 'temperature', 'none')


class SubCentroidClassifier(PostStepUpdateMixin, nn.Module):
    """``f [N, D] -> logits [N, C]``: ``x = l2(LN_D(f))``, ``s_c = max_k <x, p^c_k>``, scaled.

    Eq. 4 / 7 (DNC): the class score is the cosine to the nearest sub-centroid of that class.
    Two additions of the official code (reference notes 1.2) are options:

    * ``feat_norm``: a learnable LayerNorm over the D features before l2 (``LN_D``);
    * ``logit_norm``: how the cosines in [-1, 1] become logits. ``'layernorm'``: a learnable
      LayerNorm over the C class scores (``LN_C``, official; its per-class affine may change
      the argmax). ``'temperature'``: ``s / temperature``. ``'none'``: raw cosines (the
      ablation of the DNC README's Fashion-MNIST table: 84.83 top-1 against 89.7).

    A training forward (train mode, grad enabled) caches the detached fp32 embeddings, the
    logits and the labels passed in (or given later with :meth:`set_labels`);
    :meth:`update_subcentroids` (called by ``SubCentroidUpdateHook``) feeds them to the bank
    (Alg. 1). State-dict keys: ``feat_norm.*``, ``mask_norm.*`` (official
    names) and ``bank.prototypes``, ``bank.valid``, ``bank.initialized``, ``bank.num_updates``,
    ``bank.memory.{features,labels,correct,ptr}``.

    Args:
        num_classes: C.
        in_channels: D of the input features.
        num_subcentroids: K, or one K_c per class (:class:`SubCentroidBank`).
        feat_norm: apply ``LN_D`` before l2 normalisation.
        logit_norm: ``'layernorm'`` | ``'temperature'`` | ``'none'``.
        temperature: divisor of the cosines for ``logit_norm='temperature'``.
        **bank_cfg: the other :class:`SubCentroidBank` arguments (:data:`BANK_ARGS`:
            momentum, sinkhorn_eps, sinkhorn_iters, assign, memory_size, sync, init, ...),
            documented there; any other name is refused.
    """

    def __init__(
        self,
        num_classes: int,
        in_channels: int,
        num_subcentroids=4,
        feat_norm: bool = True,
        logit_norm: str = 'temperature',
        temperature: float = 0.1,
        **bank_cfg,
    ):
        super().__init__()
        unknown = sorted(set(bank_cfg) - set(BANK_ARGS))
        if unknown:
            raise TypeError(
                f'unknown DNC argument(s) {unknown}: the sub-centroid arguments are those of '
                f'SubCentroidBank, {list(BANK_ARGS)}'
            )
        if logit_norm not in LOGIT_NORMS:
            raise ValueError(f'logit_norm must be one of {LOGIT_NORMS}, got {logit_norm!r}')
        if logit_norm == 'temperature' and temperature <= 0:
            raise ValueError(f'temperature must be > 0, got {temperature}')
        self.in_channels, self.num_classes = int(in_channels), int(num_classes)
        self.logit_norm, self.temperature = logit_norm, temperature
        self.feat_norm = nn.LayerNorm(in_channels) if feat_norm else None
        self.bank = SubCentroidBank(num_classes, in_channels, num_subcentroids, **bank_cfg)
        self.mask_norm = nn.LayerNorm(num_classes) if logit_norm == 'layernorm' else None
        self._cache: Optional[Dict[str, Tensor]] = None

    @property
    def prototypes(self) -> Tensor:
        return self.bank.prototypes

    def embed(self, f: Tensor) -> Tensor:
        """``x = l2(LN_D(f))`` (``[N, D]``); the space in which the sub-centroids live."""
        if f.ndim != 2 or f.shape[1] != self.in_channels:
            raise ValueError(
                f'SubCentroidClassifier got features of shape {tuple(f.shape)}, expected '
                f"[N, in_channels={self.in_channels}]; check the head's in_channels"
            )
        if self.feat_norm is not None:
            f = self.feat_norm(f)
        return F.normalize(f, dim=-1)

    def scale(self, scores: Tensor) -> Tensor:
        """Class scores (cosines) -> logits according to ``logit_norm``."""
        if self.mask_norm is not None:
            return self.mask_norm(scores)
        if self.logit_norm == 'temperature':
            return scores / self.temperature
        return scores

    def forward(self, f: Tensor, labels: Optional[Tensor] = None) -> Tensor:
        """``f [N, D]`` -> logits ``[N, C]``; ``labels [N]`` (hard, -1 = ignore) in training."""
        train_step = self.training and torch.is_grad_enabled()
        if train_step:
            self.check_subcentroid_updater()
        x = self.embed(f)
        logits = self.scale(self.bank.class_scores(x))
        if train_step:
            self._cache = dict(x=x.detach().float(), logits=logits.detach())
            if labels is not None:
                self.set_labels(labels)
        return logits

    def set_labels(self, labels: Tensor) -> None:
        """Attach the hard labels ``[N]`` of the last training forward (if not passed there)."""
        if self._cache is None:
            raise RuntimeError('set_labels() called before a training forward')
        labels = labels.reshape(-1).long()
        if labels.numel() != self._cache['x'].shape[0]:
            raise ValueError(
                f'labels has {labels.numel()} entries for {self._cache["x"].shape[0]} samples'
            )
        if labels.numel() and (int(labels.max()) >= self.num_classes):
            raise ValueError(
                f'labels contains class id {int(labels.max())} >= num_classes '
                f'({self.num_classes}); use -1 to ignore a sample'
            )
        self._cache['labels'] = labels

    @torch.no_grad()
    def update_subcentroids(self, cluster: bool = True) -> Dict[str, float]:
        """Alg. 1 (DNC) on the cached batch; ``correct = argmax(logits) == label``."""
        if self._cache is None:
            return {}
        cache, self._cache = self._cache, None
        if 'labels' not in cache:
            raise RuntimeError(
                'SubCentroidClassifier: no labels for the last training batch; pass them to '
                'forward(f, labels) or call set_labels(labels)'
            )
        labels = cache['labels']
        correct = cache['logits'].argmax(dim=1) == labels
        return self.bank.update(cache['x'], labels, correct, cluster=cluster)
