import tempfile

import pytest
from mmengine.config import Config
from mmengine.config.utils import _get_cfg_metainfo
from mmengine.utils import get_installed_path

from mmproto.testing.metafile_cache import cache_package_metafiles, cached_cfg_metainfo


@pytest.mark.parametrize('package', ['mmpretrain', 'mmseg'])
def test_same_entries_and_errors_as_mmengine(package):
    path = get_installed_path(package)
    if package == 'mmpretrain':
        name = 'resnet/resnet50_8xb32_in1k.py'
    else:
        name = 'fcn/fcn_r50-d8_4xb2-40k_cityscapes-512x1024.py'
    assert cached_cfg_metainfo(path, name) == _get_cfg_metainfo(path, name)
    # a ``_base_`` path has no metafile entry: mmengine falls back on it through ValueError
    for fn in (_get_cfg_metainfo, cached_cfg_metainfo):
        with pytest.raises(ValueError, match='_base_/models/resnet50'):
            fn(path, '_base_/models/resnet50')


def test_config_loads_identically_with_the_cache():
    text = "_base_ = ['mmpretrain::resnet/resnet18_8xb32_in1k.py']\n"
    with tempfile.NamedTemporaryFile('w', suffix='.py') as f:
        f.write(text)
        f.flush()
        with cache_package_metafiles():
            cached = Config.fromfile(f.name)
        plain = Config.fromfile(f.name)
    assert cached.to_dict() == plain.to_dict()
