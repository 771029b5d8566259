"""Compatibility shims that must run before ``mmseg.models`` or a checkpoint load.

1. ``mmcv-lite`` ships no compiled ops (``mmcv._ext``), but ``mmseg.models`` imports
   ``mmcv.ops`` at import time. A lazy stand-in lets everything import; only a call of a
   compiled op (deformable conv, PSAMask, CARAFE, nms, ...) fails, with a clear message.
   Nothing is installed when a real ``mmcv._ext`` exists (full mmcv build).
2. torch >= 2.6 loads checkpoints with ``weights_only=True``, which refuses mmengine 0.10.x
   resume files (``HistoryBuffer``, numpy scalars). mmengine's local checkpoint loader is
   replaced by :func:`mmproto.utils.checkpoint.load_local_checkpoint`: still weights-only,
   with an allow-list of exactly those types; nothing else is unpickled unless trusted.
3. A torchvision whose compiled ops do not load beside the installed torch (the CPU-only
   stack, ``requirements/pinned-cpu.txt``: torch ``+cpu`` with PyPI's torchvision) fails at
   ``import torchvision`` (``operator torchvision::nms does not exist``). The two op schemas
   torchvision's import registers fake kernels for are declared; every model imports and runs,
   and a call of a torchvision op raises torchvision's own "Couldn't load custom C++ ops".
"""

import importlib
import importlib.machinery
import importlib.util
import sys
import types

from .checkpoint import register_safe_loader

_MISSING_OP_MSG = (
    'mmcv compiled op "{name}" is not available: this environment has mmcv-lite (no compiled '
    'ops). FCN, ASPP/DeepLabV3, UPerHead, ResNet, Swin and every mmproto head run without '
    'them; install a full mmcv build (pip install "mmcv>=2.0.0,<2.2.0") to use {name}.'
)


class _MissingExt(types.ModuleType):
    """Module whose every attribute is a function raising a clear error when called."""

    def __getattr__(self, name: str):
        if name.startswith('__'):
            raise AttributeError(name)

        def _missing(*args, **kwargs):
            raise RuntimeError(_MISSING_OP_MSG.format(name=name))

        _missing.__name__ = name
        return _missing


def install_mmcv_ext_stub() -> bool:
    """Register a lazy ``mmcv._ext`` if mmcv has no compiled ops. Returns True if installed."""
    if 'mmcv._ext' in sys.modules:
        return False
    try:
        importlib.import_module('mmcv._ext')
        return False
    except ImportError:
        pass
    except Exception:  # a broken build: leave it to the user's error
        return False
    try:
        import mmcv  # noqa: F401
    except ImportError:
        return False
    stub = _MissingExt('mmcv._ext')
    stub.__file__ = '<mmproto stand-in for mmcv._ext>'
    # A spec without a loader: ``pkgutil.find_loader('mmcv._ext')`` (mmengine's
    # ``mmcv_full_available``, used by ``Runner.wrap_model`` and the optimizer constructor)
    # then returns None, i.e. "no compiled ops", instead of raising on a missing spec.
    stub.__spec__ = importlib.machinery.ModuleSpec('mmcv._ext', loader=None)
    sys.modules['mmcv._ext'] = stub
    return True


_TORCHVISION_SCHEMAS = (
    'nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor',
    'qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor',
)
_torchvision_lib = None  # kept alive: a Library's definitions die with it


def declare_torchvision_op_schemas() -> bool:
    """Import torchvision; if its compiled ops do not load, declare their schemas and import it
    again. Returns True if declared."""
    global _torchvision_lib
    if 'torchvision' in sys.modules or importlib.util.find_spec('torchvision') is None:
        return False
    try:
        importlib.import_module('torchvision')
        return False
    except RuntimeError as error:
        if 'torchvision::nms' not in str(error):
            raise
    for name in [m for m in sys.modules if m.split('.')[0] == 'torchvision']:
        del sys.modules[name]  # the half-imported package
    import torch

    _torchvision_lib = torch.library.Library('torchvision', 'FRAGMENT')
    for schema in _TORCHVISION_SCHEMAS:
        _torchvision_lib.define(schema)
    importlib.import_module('torchvision')
    return True


def apply_all() -> None:
    install_mmcv_ext_stub()
    declare_torchvision_op_schemas()
    register_safe_loader()
