"""Stand-ins for compiled ops a CPU-only stack lacks (see the list of import-time effects in
``mmproto``): ``mmcv.ops`` for mmcv-lite (:func:`install_mmcv_ops_stand_in`) and torchvision's op
schemas for a torchvision whose compiled ops do not load beside the installed torch
(:func:`declare_torchvision_op_schemas`).

``mmcv-lite`` ships no compiled ops (no ``mmcv._ext``), so its ``mmcv/ops/__init__.py``, which
imports every op module, fails with ``ModuleNotFoundError: mmcv._ext``. ``mmseg.models`` needs
two ``mmcv.ops`` names to import at all (:data:`MMSEG_IMPORTS`): ``point_sample`` (pure
PyTorch) and ``sigmoid_focal_loss`` (compiled). The stand-in :class:`LiteOps` answers
``from mmcv.ops import X`` with

- the real ``X`` when its module runs without compiled ops (``point_sample``,
  ``CrissCrossAttention``, ...);
- for ``sigmoid_focal_loss`` alone, a function that raises a clear error when called (mmseg's
  ``FocalLoss`` imports it unconditionally);
- for every other compiled op, the ``ModuleNotFoundError: mmcv._ext`` upstream raises, so
  mmseg's and mmengine's ``try: from mmcv.ops import X / except ...`` probes (``PSAMask``,
  ``DeformConv2d``, ``SyncBatchNorm``, ...) behave as they do with mmcv-lite alone.

Nothing is installed when a real ``mmcv._ext`` exists (full mmcv build) or ``mmcv.ops`` was
already imported.
"""

import ast
import importlib
import importlib.machinery
import importlib.util
import os.path as osp
import sys
import types
from typing import Dict, Tuple

# The mmcv.ops names that ``import mmseg.models`` needs, with the mmseg modules importing
# them outside a ``try`` (mmseg 1.2). ``point_sample`` is pure PyTorch, ``sigmoid_focal_loss``
# compiled: only the latter gets a raising stand-in.
MMSEG_IMPORTS = {
    'point_sample': (
        'mmseg.models.decode_heads.san_head',
        'mmseg.models.utils.point_sample',
        'mmseg.utils.mask_classification',
    ),
    'sigmoid_focal_loss': ('mmseg.models.losses.focal_loss',),
}
EXT = 'mmcv._ext'
STAND_IN_FILE = '<mmproto stand-in for mmcv.ops>'
_MISSING_OP_MSG = (
    'mmcv compiled op "{name}" is not available: this environment has mmcv-lite (no compiled '
    'ops). FCN, ASPP/DeepLabV3, UPerHead, ResNet, Swin and every mmproto head run without '
    'them; install a full mmcv build (pip install "mmcv>=2.0.0,<2.2.0") to use {name}.'
)


def _exported_names(init_file: str) -> Dict[str, Tuple[str, str]]:
    """``{name: (submodule, name there)}`` of the ``from .sub import name`` lines at the top
    level of ``mmcv/ops/__init__.py``."""
    with open(init_file, encoding='utf-8') as f:
        tree = ast.parse(f.read())
    names = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = (node.module, alias.name)
    return names


class LiteOps(types.ModuleType):
    """``mmcv.ops`` for mmcv-lite: imports each op's own module on first use (module doc)."""

    def __init__(self, ops_dir: str):
        super().__init__('mmcv.ops')
        self.__file__ = STAND_IN_FILE
        self.__path__ = [ops_dir]  # submodules (``mmcv.ops.point_sample``) import as usual
        spec = importlib.machinery.ModuleSpec('mmcv.ops', loader=None, is_package=True)
        spec.submodule_search_locations = [ops_dir]
        self.__spec__ = spec
        self._sources = _exported_names(osp.join(ops_dir, '__init__.py'))

    def __getattr__(self, name: str):
        if name.startswith('__') or name not in self._sources:
            raise AttributeError(f"module 'mmcv.ops' has no attribute {name!r}")
        submodule, original = self._sources[name]
        try:
            value = getattr(importlib.import_module(f'mmcv.ops.{submodule}'), original)
        except ModuleNotFoundError as error:
            if error.name != EXT:
                raise
            if name not in MMSEG_IMPORTS:
                raise ModuleNotFoundError(_MISSING_OP_MSG.format(name=name), name=EXT) from None
            value = _raising(name)
        setattr(self, name, value)
        return value


def _raising(name: str):
    def _missing(*args, **kwargs):
        raise RuntimeError(_MISSING_OP_MSG.format(name=name))

    _missing.__name__ = name
    return _missing


def install_mmcv_ops_stand_in() -> bool:
    """Install :class:`LiteOps` as ``mmcv.ops`` if mmcv has no compiled ops. Returns True if
    installed."""
    if 'mmcv.ops' in sys.modules:
        return False
    try:
        import mmcv
    except ImportError:
        return False
    if importlib.util.find_spec(EXT) is not None:  # a full mmcv build
        return False
    stand_in = LiteOps(osp.join(osp.dirname(mmcv.__file__), 'ops'))
    sys.modules['mmcv.ops'] = stand_in
    mmcv.ops = stand_in
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
