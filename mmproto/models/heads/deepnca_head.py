"""DeepNCA baseline head: deep k-NN via scalable NCA (Wu et al., ECCV 2018), Table 19 of DNC."""

import math
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn.functional as F
from mmpretrain.models.heads import ClsHead
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from torch import Tensor

from mmproto.models.utils import PostStepUpdateMixin, ShapeCheckMixin, all_gather_varlen
from mmproto.ops import knn_class_scores, memory_momentum_update, nca_loss


@MODELS.register_module()
class DeepNCAHead(ShapeCheckMixin, PostStepUpdateMixin, ClsHead):
    """Deep neighbourhood component analysis with a memory of every training sample (DeepNCA).

    The DNC paper's k-NN foil (App. I, Table 19): "DeepNCA ... conducts similarity-based
    classification based on top-k nearest training samples ... retaining the whole ImageNet
    training set". Each training sample ``i`` owns a memory slot ``m_i`` (its l2-normalised
    embedding, momentum-averaged over epochs). With ``v = l2(f)`` and
    ``p_ij = softmax_{j != i}(v_i . m_j / sigma)`` the loss is
    ``-(1/N) sum_i log sum_{j: y_j = y_i} p_ij`` over the whole memory; prediction is the
    weighted vote of the ``knn_k`` most similar memory entries (weight ``exp(s / sigma)``).

    After every training iteration (``SubCentroidUpdateHook``), the slots of the global batch
    move: ``m_i <- l2(mu m_i + (1 - mu) v_i)`` (features, slots and labels are all-gathered so
    every rank holds the same memory). ``NCAMemoryHook`` fills ``memory_labels`` from the
    training set before training (the official code knows all labels from the start) and
    schedules ``mu`` (official: 0.5, 0.8 from epoch 80, 0.9 from epoch 120).

    The slot of a sample is its ``sample_idx`` (kept by mmpretrain's ``PackInputs``), so
    ``num_samples`` must be at least the size of the training set (extra slots stay unused).

    State (persistent buffers, full shape): ``memory [num_samples, D]`` (initialised uniformly
    in ``[-s, s]``, ``s = 1 / sqrt(D / 3)``, as the official code), ``memory_labels
    [num_samples]`` (-1 = unknown).

    Args:
        num_classes (int): C.
        in_channels (int): D (official: a 128-d linear projection, ``LinearNeck``).
        num_samples (int): training-set size (ImageNet-1k: 1,281,167).
        temperature (float): sigma (official: 0.05).
        memory_momentum (float): mu (official: 0.5 at the start).
        knn_k (int): neighbours of the test-time vote (official: 30).
        chunk_size (int): queries per similarity block at test time.
        topk, cal_acc, init_cfg: see ``ClsHead``.
    """

    def __init__(
        self,
        num_classes: int,
        in_channels: int,
        num_samples: int,
        temperature: float = 0.05,
        memory_momentum: float = 0.5,
        knn_k: int = 30,
        chunk_size: int = 256,
        topk: Union[int, Tuple[int]] = (1,),
        cal_acc: bool = False,
        init_cfg: Optional[dict] = None,
    ):
        super().__init__(
            loss=dict(type='CrossEntropyLoss'), topk=topk, cal_acc=cal_acc, init_cfg=init_cfg
        )
        for name, value in (('num_classes', num_classes), ('in_channels', in_channels)):
            if int(value) < 1:
                raise ValueError(f'DeepNCAHead: {name} must be >= 1, got {value}')
        if int(num_samples) < 2:
            raise ValueError(f'DeepNCAHead: num_samples must be >= 2, got {num_samples}')
        if temperature <= 0 or knn_k < 1 or not 0.0 <= memory_momentum <= 1.0:
            raise ValueError(
                'DeepNCAHead: need temperature > 0, knn_k >= 1 and memory_momentum in [0, 1]'
            )
        self.num_classes, self.in_channels = int(num_classes), int(in_channels)
        self.num_samples = int(num_samples)
        self.temperature, self.memory_momentum = temperature, memory_momentum
        self.knn_k, self.chunk_size = knn_k, chunk_size
        bound = 1.0 / math.sqrt(in_channels / 3)
        self.register_buffer(
            'memory', torch.rand(self.num_samples, self.in_channels).mul_(2 * bound).sub_(bound)
        )
        self.register_buffer('memory_labels', torch.full((self.num_samples,), -1))
        self._cache: Optional[Dict[str, Tensor]] = None

    def pre_logits(self, feats: Tuple[Tensor]) -> Tensor:
        f = feats[-1]
        if f.ndim != 2 or f.shape[1] != self.in_channels:
            raise ValueError(
                f'DeepNCAHead expects features [N, in_channels={self.in_channels}], got '
                f'{tuple(f.shape)}'
            )
        return f

    def embed(self, feats: Tuple[Tensor]) -> Tensor:
        return F.normalize(self.pre_logits(feats), dim=1)

    def forward(self, feats: Tuple[Tensor]) -> Tensor:
        """Weighted k-NN class scores ``[N, C]`` over the memory (test-time rule)."""
        v = self.embed(feats).detach().float()
        scores = []
        memory = self.memory.float()
        for start in range(0, v.shape[0], self.chunk_size):
            sims = v[start : start + self.chunk_size] @ memory.t()
            scores.append(
                knn_class_scores(
                    sims, self.memory_labels, self.num_classes, self.knn_k, self.temperature
                )
            )
        return torch.cat(scores)

    def loss(self, feats: Tuple[Tensor], data_samples: List[DataSample], **kwargs) -> dict:
        if torch.is_grad_enabled():
            self.check_subcentroid_updater()
        v = self.embed(feats)
        labels = torch.cat([s.gt_label for s in data_samples]).long().to(v.device)
        if labels.numel() != v.shape[0] or bool(
            ((labels < 0) | (labels >= self.num_classes)).any()
        ):
            raise ValueError(
                f'DeepNCAHead needs one gt_label in [0, num_classes={self.num_classes}) per sample'
            )
        index = torch.tensor([s.metainfo.get('sample_idx', -1) for s in data_samples])
        index = index.to(v.device)
        if bool(((index < 0) | (index >= self.num_samples)).any()):
            raise ValueError(
                f'DeepNCAHead: every training sample needs a sample_idx in [0, num_samples='
                f'{self.num_samples}); is num_samples the size of the training set?'
            )
        logits = v @ self.memory.to(v.dtype).t() / self.temperature
        loss = nca_loss(logits, labels, self.memory_labels, index)
        self._cache = dict(v=v.detach().float(), labels=labels, index=index)
        return {'loss': loss}

    def predict(
        self, feats: Tuple[Tensor], data_samples: Optional[List[Optional[DataSample]]] = None
    ) -> List[DataSample]:
        scores = self(feats)
        probs = scores / scores.sum(dim=1, keepdim=True).clamp(min=1e-12)
        return self._get_predictions(probs, data_samples)

    def _get_predictions(self, probs, data_samples):
        labels = probs.argmax(dim=1, keepdim=True).detach()
        out = []
        if data_samples is None:
            data_samples = [None] * probs.shape[0]
        for sample, score, label in zip(data_samples, probs, labels):
            sample = DataSample() if sample is None else sample
            out.append(sample.set_pred_score(score).set_pred_label(label))
        return out

    @torch.no_grad()
    def update_subcentroids(self, cluster: bool = True) -> Dict[str, float]:
        """Write the (gathered) batch into its memory slots."""
        if self._cache is None:
            return {}
        cache, self._cache = self._cache, None
        v = all_gather_varlen(cache['v'])
        index = all_gather_varlen(cache['index'])
        labels = all_gather_varlen(cache['labels'])
        memory_momentum_update(self.memory, index, v, self.memory_momentum)
        self.memory_labels[index] = labels
        return {'nca_memory_momentum': float(self.memory_momentum)}
