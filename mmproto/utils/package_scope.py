"""``mmproto::`` config paths for mmengine, e.g. ``_base_ = ['mmproto::dnc/xxx.py']``.

mmengine 0.10 resolves ``package::path`` only for the packages of its hard-coded
``MODULE2PACKAGE`` table (``AssertionError: mmengine does not support to load mmproto config``
otherwise) and reads the file from ``get_installed_path(package)/.mim/configs``; with an
editable (PEP 660) install that path is ``site-packages/mmproto``, which does not exist.
:func:`register_package_scope` (called by ``import mmproto``) adds ``mmproto`` to the table and
wraps ``Config._get_cfg_path`` so that ``mmproto::X`` is read from the imported package: its
``.mim/configs`` (wheel or ``pip install .``; ``setup.py`` copies ``configs/`` there) or, in a
source checkout (also an editable install), the checkout's ``configs/``. Every other
``package::`` path goes to mmengine.

The scope returned for an ``mmproto::`` base is ``None``, as for a relative base: mmproto has
no registry of its own (its modules live in mmpretrain's / mmseg's registries and its configs
carry their upstream scopes and ``default_scope``); ``_scope_='mmproto'`` would send every
build through a non-existent ``mmproto.registry``.

mmengine parses a config's ``_base_`` before its ``custom_imports``, so a config with
``mmproto::`` bases needs ``import mmproto`` first: mmproto's tools and ``mim train mmproto`` do.
"""

import os.path as osp
import warnings
from typing import Optional, Tuple

from mmengine.config import Config
from mmengine.config import utils as config_utils

SCOPE = 'mmproto'
_PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))


def configs_root() -> str:
    """The folder ``mmproto::`` paths are relative to: in a source checkout (``setup.py``
    beside the package) its ``configs/`` (``mmproto/.mim/configs`` there is a link to it, or a
    copy a wheel build left behind), else the installed package's ``.mim/configs``.

    Raises:
        FileNotFoundError: if neither exists (an install without its configs).
    """
    checkout = osp.dirname(_PACKAGE_DIR)
    candidates = (osp.join(_PACKAGE_DIR, '.mim', 'configs'), osp.join(checkout, 'configs'))
    if osp.isfile(osp.join(checkout, 'setup.py')):
        candidates = candidates[::-1]
    for root in candidates:
        if osp.isdir(root):
            return root
    raise FileNotFoundError(
        f'mmproto:: configs: neither {candidates[0]} nor {candidates[1]} exists; reinstall '
        'mmproto (pip install . copies configs/ into mmproto/.mim/configs)'
    )


def resolve(cfg_path: str, filename: str = '') -> str:
    """Absolute path of ``mmproto::REL`` (``filename``: the config that names it, for the
    error message)."""
    rel = cfg_path.partition('::')[2]
    path = osp.join(configs_root(), rel)
    if not osp.isfile(path):
        where = f' (a _base_ of {filename})' if filename else ''
        raise FileNotFoundError(f'{cfg_path}{where}: no file {path}')
    return path


def _get_cfg_path(cfg_path: str, filename: str) -> Tuple[str, Optional[str]]:
    if cfg_path.partition('::')[0] == SCOPE and '::' in cfg_path:
        return resolve(cfg_path, filename), None
    with warnings.catch_warnings():
        # mmengine's is_installed reloads pkg_resources for every package:: base, and each
        # reload repeats setuptools' deprecation warning (setuptools<81 is pinned on purpose)
        warnings.filterwarnings('ignore', message=r'pkg_resources is deprecated as an API')
        return _get_cfg_path.upstream(cfg_path, filename)


def register_package_scope() -> None:
    """Make ``mmproto::`` paths resolve in this process (idempotent)."""
    config_utils.MODULE2PACKAGE.setdefault(SCOPE, 'mmproto')
    current = Config.__dict__['_get_cfg_path'].__func__
    if current is _get_cfg_path:
        return
    _get_cfg_path.upstream = current
    Config._get_cfg_path = staticmethod(_get_cfg_path)


def resolve_config_path(path: str) -> str:
    """A tool's CONFIG argument: a file path, or ``package::REL`` (``mmproto::``,
    ``mmpretrain::``, ``mmseg::``) resolved as a ``_base_`` entry would be."""
    if '::' not in path:
        return path
    register_package_scope()
    return Config._get_cfg_path(path, '')[0]
