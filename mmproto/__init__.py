"""mmproto: prototype-based classifiers (DNC, DL2PA, MCC) for mmpretrain and mmsegmentation.

Importing the package registers its heads, decode heads, hooks, datasets and metrics in the
mmengine / mmpretrain / mmseg registries (use ``custom_imports=dict(imports=['mmproto'])``).

Import-time effects: the complete list, each process-wide because nothing narrower works, each
with a test (``tests/test_utils/test_import_effects.py``) that fails when the upstream behaviour
it relies on changes:

1. Registry entries (``MODELS``, ``HOOKS``, ``DATASETS``, ``METRICS``, ...): how an OpenMMLab
   plugin is found from a config.
2. Warning filters (:mod:`mmproto._warnings`), exact messages: on ranks other than 0 the
   third-party warnings every rank would repeat; on every rank mmcv's probe for
   ``MultiScaleDeformableAttention``, which always fails with mmcv-lite (the reason there), and
   the dependency notices of :data:`mmproto._warnings.SILENCED`, each matched by message and
   module (``pkg_resources`` is imported once under ``catch_warnings`` for the same reason):
   deprecations inside mmengine / mmpretrain that a user can do nothing about.
3. ``mmproto::`` config paths (:mod:`mmproto.utils.package_scope`): ``mmproto`` added to
   mmengine's private ``mmengine.config.utils.MODULE2PACKAGE`` and ``Config._get_cfg_path``
   wrapped to read ``mmproto::`` paths from this package (every other path goes to mmengine).
   Global because ``Config.fromfile`` resolves ``_base_`` before a config's
   ``custom_imports`` run, with nothing to hook into.
4. The safe loader of local checkpoint files (:func:`mmproto.utils.register_safe_loader`),
   registered in mmengine's ``CheckpointLoader`` for the prefix ``''``: mmengine 0.10 loads
   with torch's default, which is weights-only in torch >= 2.6 and refuses every mmengine
   resume file (``HistoryBuffer``, numpy). Ours is weights-only too, allowing exactly those
   types; it never unpickles more than torch's default except for a file trusted explicitly
   (:func:`mmproto.utils.trust_checkpoint`: named files, this process; the tools trust the
   files of one run, :func:`mmproto.utils.trusted_run`). Global because the
   Runner loads ``load_from`` / ``resume`` before any hook could register it.
5. Only with mmcv-lite (no compiled ops): ``mmcv.ops`` answered by a stand-in
   (:mod:`mmproto.utils.compat`) because ``import mmseg.models`` imports ``point_sample`` and
   ``sigmoid_focal_loss`` from it unconditionally; every other compiled op still raises
   upstream's ``ModuleNotFoundError``. Must precede any ``mmseg.models`` import.
6. Only where torchvision's compiled ops do not load beside the installed torch (the CPU-only
   stack, ``requirements/pinned-cpu.txt``: ``import torchvision`` fails with ``operator
   torchvision::nms does not exist``): the two op schemas torchvision registers fake kernels for
   are declared (:func:`mmproto.utils.compat.declare_torchvision_op_schemas`), so torchvision
   and mmpretrain import; a call of a torchvision op still raises torchvision's own error.
   Must precede any torchvision import.

Nothing else: no environment variable is written and no other upstream function is replaced.
"""

from ._warnings import filter_repeated_warnings as _filter_repeated_warnings
from ._warnings import quiet_dependency_notices as _quiet_dependency_notices

_filter_repeated_warnings()  # (2) before mmengine is imported
_quiet_dependency_notices()  # (2)

from .utils.compat import install_mmcv_ops_stand_in as _install_mmcv_ops_stand_in  # noqa: E402

_install_mmcv_ops_stand_in()  # (5) before any mmseg.models import

from .utils.compat import declare_torchvision_op_schemas as _declare_tv_schemas  # noqa: E402

_declare_tv_schemas()  # (6) before any torchvision import

from .utils.checkpoint import register_safe_loader as _register_safe_loader  # noqa: E402
from .utils.package_scope import register_package_scope as _register_package_scope  # noqa: E402

_register_safe_loader()  # (4)
_register_package_scope()  # (3)

from . import datasets, engine, evaluation, models, ops, visualization  # noqa: E402, (1)
from .version import __version__, version_info  # noqa: E402

__all__ = [
    '__version__',
    'version_info',
    'datasets',
    'engine',
    'evaluation',
    'models',
    'ops',
    'visualization',
]
