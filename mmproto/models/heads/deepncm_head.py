"""DeepNCM baseline head (Guerriero et al., ICLRw 2018), compared with DNC in Table 18."""

from typing import Dict, List, Optional, Tuple, Union

import torch
from mmpretrain.models.heads import ClsHead
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from torch import Tensor

from mmproto.models.utils import PostStepUpdateMixin, ShapeCheckMixin, all_reduce_sum
from mmproto.ops import decay_mean_update, ncm_logits, subcentroid_statistics

MEAN_UPDATES = ('decay', 'online', 'online_reset')


@MODELS.register_module()
class DeepNCMHead(ShapeCheckMixin, PostStepUpdateMixin, ClsHead):
    """Deep nearest class mean: ONE mean per class, logits ``-||f - mu_c||^2`` (DeepNCM).

    The DNC paper's foil (App. I, Table 18): "DeepNCM simply abstracts each class into one
    single class mean ... computes class mean on each batch". The means are not parameters;
    after every training iteration (run by ``SubCentroidUpdateHook``) the class means of the
    global batch (sums and counts all-reduced over ranks) update them with one of DeepNCM's
    rules:

    * ``'decay'``: ``mu_c <- d mu_c + (1 - d) xbar_c`` (decay mean, ``decay`` = d);
    * ``'online'``: running mean of every sample seen so far;
    * ``'online_reset'``: the running mean, condensed to one pseudo-sample every
      ``reset_interval`` updates (DeepNCM's "mean condensation", official default 100).

    State (persistent buffers, full shape): ``means [C, D]``, ``counts [C]`` (samples behind
    each running mean), ``num_updates``. Use with
    ``custom_hooks = [dict(type='SubCentroidUpdateHook')]``.

    Args:
        num_classes (int): C.
        in_channels (int): D of the pooled feature.
        mean_update (str): ``'decay'`` | ``'online'`` | ``'online_reset'``.
        decay (float): d of the decay mean (DeepNCM tried 0.5-0.95).
        reset_interval (int): condensation period of ``'online_reset'``.
        loss, topk, cal_acc, init_cfg: see ``ClsHead``.
    """

    def __init__(
        self,
        num_classes: int,
        in_channels: int,
        mean_update: str = 'decay',
        decay: float = 0.9,
        reset_interval: int = 100,
        loss: dict = dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk: Union[int, Tuple[int]] = (1,),
        cal_acc: bool = False,
        init_cfg: Optional[dict] = None,
    ):
        super().__init__(loss=loss, topk=topk, cal_acc=cal_acc, init_cfg=init_cfg)
        if int(num_classes) < 1 or int(in_channels) < 1:
            raise ValueError(
                f'DeepNCMHead: num_classes and in_channels must be >= 1, got {num_classes}, '
                f'{in_channels}'
            )
        if mean_update not in MEAN_UPDATES:
            raise ValueError(f'DeepNCMHead: mean_update must be one of {MEAN_UPDATES}')
        if not 0.0 <= decay < 1.0:
            raise ValueError(f'DeepNCMHead: decay must be in [0, 1), got {decay}')
        if reset_interval < 1:
            raise ValueError(f'DeepNCMHead: reset_interval must be >= 1, got {reset_interval}')
        self.num_classes, self.in_channels = int(num_classes), int(in_channels)
        self.mean_update, self.decay, self.reset_interval = mean_update, decay, reset_interval
        self.register_buffer('means', torch.zeros(num_classes, in_channels))
        self.register_buffer('counts', torch.zeros(num_classes))
        self.register_buffer('num_updates', torch.zeros((), dtype=torch.long))
        self._cache: Optional[Dict[str, Tensor]] = None

    def pre_logits(self, feats: Tuple[Tensor]) -> Tensor:
        f = feats[-1]
        if f.ndim != 2 or f.shape[1] != self.in_channels:
            raise ValueError(
                f'DeepNCMHead expects pooled features [N, in_channels={self.in_channels}], got '
                f'{tuple(f.shape)}'
            )
        return f

    def forward(self, feats: Tuple[Tensor]) -> Tensor:
        return ncm_logits(self.pre_logits(feats), self.means)

    def loss(self, feats: Tuple[Tensor], data_samples: List[DataSample], **kwargs) -> dict:
        if torch.is_grad_enabled():
            self.check_subcentroid_updater()
        f = self.pre_logits(feats)
        labels = torch.cat([s.gt_label for s in data_samples]).long().to(f.device)
        if labels.numel() != f.shape[0] or bool(
            ((labels < 0) | (labels >= self.num_classes)).any()
        ):
            raise ValueError(
                f'DeepNCMHead needs one gt_label in [0, num_classes={self.num_classes}) per sample'
            )
        self._cache = dict(f=f.detach().float(), labels=labels)
        return self._get_loss(ncm_logits(f, self.means), data_samples, **kwargs)

    @torch.no_grad()
    def update_subcentroids(self, cluster: bool = True) -> Dict[str, float]:
        """Fold the cached (global) batch into the class means (DeepNCM mean update)."""
        if self._cache is None:
            return {}
        cache, self._cache = self._cache, None
        if not cluster:
            return {}
        f, labels = cache['f'], cache['labels']
        sums, counts = subcentroid_statistics(
            f, labels, torch.zeros_like(labels), None, self.num_classes, 1
        )
        sums, counts = all_reduce_sum(sums[:, 0]), all_reduce_sum(counts[:, 0])
        if self.mean_update == 'decay':
            self.means.copy_(decay_mean_update(self.means, sums, counts, self.decay))
            self.counts.copy_(torch.where(counts > 0, torch.ones_like(counts), self.counts))
        else:
            total = self.counts + counts
            running = (self.means * self.counts[:, None] + sums) / total.clamp(min=1)[:, None]
            self.means.copy_(torch.where((total > 0)[:, None], running, self.means))
            self.counts.copy_(total)
        self.num_updates += 1
        reset = int(self.num_updates) % self.reset_interval == 0
        if self.mean_update == 'online_reset' and reset:
            self.counts.clamp_(max=1)  # mean condensation
        return {'ncm_classes_in_batch': float((counts > 0).sum()) / self.num_classes}
