"""Refuse a checkpoint entry whose shape differs from the model's, naming the key.

mmengine's ``load_state_dict(strict=False)`` (``load_from``, ``--resume``, ``tools/test.py``)
only logs a size mismatch and keeps the model's random tensor, so a checkpoint trained for
another number of classes evaluates silently at chance. :func:`enable_shape_check` registers
a load-state-dict pre-hook on every submodule that raises :class:`CheckpointShapeError`
instead. Each hook checks only its module's own parameters and persistent buffers, after the
module's ``_load_from_state_dict`` adapted the entries (official key names, a resized DNC
memory), so a module that accepts a change on purpose keeps doing so.

:class:`ShapeCheckMixin` enables it for a head on its first load (every mmproto head and
decode head); the mmproto tools enable it for the whole model (backbone, neck, plain heads).
"""

from typing import Iterator, Tuple

import torch
from torch import nn

_HOOKED = '_mmproto_shape_check'


class CheckpointShapeError(RuntimeError):
    """A checkpoint entry has another shape than the model's."""


def _local_state(module: nn.Module) -> Iterator[Tuple[str, torch.Tensor]]:
    for name, param in module._parameters.items():
        if param is not None:
            yield name, param
    for name, buf in module._buffers.items():
        if buf is not None and name not in module._non_persistent_buffers_set:
            yield name, buf


def check_local_shapes(module: nn.Module, state_dict: dict, prefix: str) -> None:
    """Raise :class:`CheckpointShapeError` if an entry ``prefix + name`` of ``state_dict``
    for a parameter / persistent buffer of ``module`` itself has another shape."""
    for name, tensor in _local_state(module):
        key = prefix + name
        value = state_dict.get(key, None)
        if isinstance(value, torch.Tensor) and value.shape != tensor.shape:
            raise CheckpointShapeError(
                f'checkpoint entry {key} has shape {tuple(value.shape)} but the model '
                f'({type(module).__name__}) has {tuple(tensor.shape)}: the checkpoint was '
                'trained for another configuration (e.g. num_classes, in_channels or '
                'the number of prototypes / centers). To start from its backbone only, use '
                "model.backbone.init_cfg=dict(type='Pretrained', checkpoint=..., "
                "prefix='backbone') instead of load_from"
            )


def _pre_hook(module, state_dict, prefix, local_metadata, strict, missing, unexpected, errors):
    check_local_shapes(module, state_dict, prefix)


def enable_shape_check(model: nn.Module) -> nn.Module:
    """Make every load of a state dict into ``model`` (any loader: mmengine's, torch's)
    refuse a shape mismatch. Idempotent; returns ``model``."""
    for module in model.modules():
        if not getattr(module, _HOOKED, False):
            module._register_load_state_dict_pre_hook(_pre_hook, with_module=True)
            object.__setattr__(module, _HOOKED, True)
    return model


class ShapeCheckMixin:
    """For heads: enable :func:`enable_shape_check` on the head before its first load."""

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs) -> None:
        enable_shape_check(self)  # the hooks run from this very load on
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
