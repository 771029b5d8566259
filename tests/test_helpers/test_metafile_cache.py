import tempfile

import mmengine.config.utils as cfg_utils
import pytest
from helpers.metafile_cache import (
    _metafile_index,
    cache_package_metafiles,
    cached_cfg_metainfo,
    mmengine_cfg_metainfo,
)
from mmengine.config import Config
from mmengine.utils import get_installed_path


@pytest.mark.parametrize('package', ['mmpretrain', 'mmseg'])
def test_same_entries_and_errors_as_mmengine(package):
    path = get_installed_path(package)
    if package == 'mmpretrain':
        name = 'resnet/resnet50_8xb32_in1k.py'
    else:
        name = 'fcn/fcn_r50-d8_4xb2-40k_cityscapes-512x1024.py'
    assert cached_cfg_metainfo(path, name) == mmengine_cfg_metainfo(path, name)
    # a ``_base_`` path has no metafile entry: mmengine falls back on it through ValueError
    for fn in (mmengine_cfg_metainfo, cached_cfg_metainfo):
        with pytest.raises(ValueError, match='_base_/models/resnet50'):
            fn(path, '_base_/models/resnet50')


def test_config_loads_identically_with_the_cache(monkeypatch):
    text = "_base_ = ['mmpretrain::resnet/resnet18_8xb32_in1k.py']\n"
    with tempfile.NamedTemporaryFile('w', suffix='.py') as f:
        f.write(text)
        f.flush()
        calls = _metafile_index.cache_info()
        with cache_package_metafiles():
            cached = Config.fromfile(f.name)
        used = _metafile_index.cache_info()
        assert used.hits + used.misses > calls.hits + calls.misses  # the cache served the load
        # the suite runs under the cache: load once more with mmengine's own lookup
        monkeypatch.setattr(cfg_utils, '_get_cfg_metainfo', mmengine_cfg_metainfo)
        plain = Config.fromfile(f.name)
        assert _metafile_index.cache_info() == used  # ... which did not touch the cache
    assert cached.to_dict() == plain.to_dict()
