"""Read each package's metafiles once per process when loading ``pkg::`` configs.

mmengine resolves every ``mmpretrain::`` / ``mmseg::`` base of a config by reading all of the
package's ``metafile.yml`` files (``mmengine.config.utils._get_cfg_metainfo``), about 0.3-1.5 s
per base on a CPU. A test session loads a few hundred configs, each with several such bases;
:func:`cache_package_metafiles` keeps the parsed index per package path instead.
"""

import functools
import os.path as osp
import warnings
from contextlib import contextmanager
from typing import Dict, Iterator

import mmengine.config.utils as cfg_utils
from mmengine.fileio import load

# mmengine's own lookup, kept before any patching (for comparisons and for restoring)
mmengine_cfg_metainfo = cfg_utils._get_cfg_metainfo


@functools.lru_cache(maxsize=None)
def _metafile_index(package_path: str) -> Dict[str, dict]:
    """Config path below ``configs/`` -> its first metafile entry, in mmengine's order."""
    index: Dict[str, dict] = {}
    mim = osp.join(package_path, '.mim')
    for meta_path in load(osp.join(mim, 'model-index.yml'))['Import']:
        for model in load(osp.join(mim, meta_path))['Models']:
            if 'Config' not in model:
                warnings.warn(f'There is not `Config` define in {model}', stacklevel=2)
                continue
            index.setdefault(model['Config'].partition('/')[-1], model)
    return index


def cached_cfg_metainfo(package_path: str, cfg_path: str) -> dict:
    """Drop-in for ``mmengine.config.utils._get_cfg_metainfo`` (same result, same ValueError)."""
    index = _metafile_index(package_path)
    if cfg_path not in index:
        raise ValueError(f'Expected configs: {index.keys()}, but got {cfg_path}')
    return index[cfg_path]


@contextmanager
def cache_package_metafiles() -> Iterator[None]:
    """Within the block, ``Config.fromfile`` reads each package's metafiles once."""
    cfg_utils._get_cfg_metainfo = cached_cfg_metainfo
    try:
        yield
    finally:
        cfg_utils._get_cfg_metainfo = mmengine_cfg_metainfo
