"""Shared state of heads with fixed prototypes and a label-to-prototype assignment."""

from typing import Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import build_norm_layer
from mmpretrain.models.heads import ClsHead
from torch import Tensor

from mmproto.models.utils.shape_check import ShapeCheckMixin
from mmproto.ops.prototypes import check_prototypes


class FixedPrototypeHead(ShapeCheckMixin, ClsHead):
    """Base of the DL2PA heads: fixed prototypes ``W`` and an assignment ``A`` as buffers.

    Buffers (persistent, allocated at full shape): ``prototypes`` ``(C, d)`` unit rows (filled by
    ``PrototypePrecomputeHook`` or a checkpoint), ``prototypes_initialized`` (bool),
    ``assignment`` ``(C,)`` with ``assignment[c]`` = prototype row of class ``c`` (identity at
    start; changed by ``LabelPrototypeAssignmentHook``).

    Args:
        num_classes: ``C``. in_channels: ``d``, the embedding size entering the head (project to
            ``d`` with a neck, e.g. mmpretrain's ``LinearNeck``).
        norm_cfg: optional norm on the embedding before use (long-tail recipe: ``BN1d``).
    """

    def __init__(
        self,
        num_classes: int,
        in_channels: int,
        norm_cfg: Optional[dict] = None,
        init_cfg: Optional[dict] = None,
        **kwargs,
    ):
        super().__init__(init_cfg=init_cfg, **kwargs)
        if num_classes < 2:
            raise ValueError(f'num_classes must be >= 2, got {num_classes}')
        if in_channels < 1:
            raise ValueError(f'in_channels (prototype dim d) must be >= 1, got {in_channels}')
        self.num_classes, self.in_channels = num_classes, in_channels
        self.norm = build_norm_layer(norm_cfg, in_channels)[1] if norm_cfg else nn.Identity()
        self.register_buffer('prototypes', torch.zeros(num_classes, in_channels))
        self.register_buffer('prototypes_initialized', torch.tensor(False))
        self.register_buffer('assignment', torch.arange(num_classes))

    @torch.no_grad()
    def set_prototypes(self, w: Tensor, name: str = 'prototypes') -> None:
        """Install ``(C, d)`` prototypes (validated, l2-normalised)."""
        w = check_prototypes(w, self.num_classes, self.in_channels, name)
        self.prototypes.copy_(w.to(self.prototypes.device))
        self.prototypes_initialized.fill_(True)

    @torch.no_grad()
    def set_assignment(self, assignment: Tensor) -> None:
        """Install a label-to-prototype permutation ``(C,)``."""
        a = torch.as_tensor(assignment).reshape(-1).long().cpu()
        if a.numel() != self.num_classes or not torch.equal(
            a.sort().values, torch.arange(self.num_classes)
        ):
            raise ValueError(f'assignment must be a permutation of range({self.num_classes})')
        self.assignment.copy_(a.to(self.assignment.device))

    @property
    def assigned_prototypes(self) -> Tensor:
        """``(C, d)``: row ``c`` is the prototype ``w_A(c)`` of class ``c``."""
        if not bool(self.prototypes_initialized):
            raise RuntimeError(
                f'{type(self).__name__}.prototypes are not set: add '
                "dict(type='PrototypePrecomputeHook') to custom_hooks, or load a checkpoint "
                'that contains them'
            )
        return self.prototypes.index_select(0, self.assignment)

    def pre_logits(self, feats: Tuple[Tensor]) -> Tensor:
        x = feats[-1] if isinstance(feats, Sequence) else feats
        if x.ndim != 2 or x.size(1) != self.in_channels:
            raise ValueError(
                f'{type(self).__name__} expects (N, in_channels={self.in_channels}) features, '
                f'got {tuple(x.shape)}'
            )
        return self.norm(x)

    @staticmethod
    def hard_labels(data_samples) -> Tensor:
        return torch.cat([s.gt_label for s in data_samples])
