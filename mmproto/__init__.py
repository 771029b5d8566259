"""mmproto: prototype-based classifiers (DNC, DL2PA, MCC) for mmpretrain and mmsegmentation.

Importing the package registers its heads, decode heads, hooks, datasets and metrics in the
mmengine / mmpretrain / mmseg registries (use ``custom_imports=dict(imports=['mmproto'])``).
"""

from ._warnings import filter_repeated_warnings as _filter_repeated_warnings
from ._warnings import quiet_dependency_notices as _quiet_dependency_notices

_filter_repeated_warnings()  # before mmengine is imported
_quiet_dependency_notices()

from .utils.compat import apply_all as _apply_compat_shims  # noqa: E402

_apply_compat_shims()  # must precede any mmseg.models import

from .utils.package_scope import register_package_scope as _register_package_scope  # noqa: E402

_register_package_scope()  # `mmproto::` config paths

from . import datasets, engine, evaluation, models, ops, visualization  # noqa: E402
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
