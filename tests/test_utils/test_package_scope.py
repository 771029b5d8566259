"""mmproto/utils/package_scope.py: ``mmproto::`` config paths after ``import mmproto``."""

import os.path as osp

import pytest
from mmengine.config import Config

import mmproto  # noqa: F401  (registers the scope)
from mmproto.utils import package_scope, resolve_config_path

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _scopes(node, found):
    if isinstance(node, dict):
        if '_scope_' in node:
            found.add(node['_scope_'])
        for value in node.values():
            _scopes(value, found)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _scopes(value, found)
    return found


def test_mmproto_base_resolves_after_import(tmp_path):
    cfg_file = tmp_path / 'user.py'
    cfg_file.write_text(
        "_base_ = ['mmproto::dnc/dnc_lenet5_1xb128_fashion-mnist.py']\n"
        'model = dict(head=dict(num_subcentroids=2))\n'
    )
    cfg = Config.fromfile(str(cfg_file))
    assert cfg.model.head.type == 'DNCHead'
    assert cfg.model.head.num_subcentroids == 2  # the user's override
    assert cfg.model.head.momentum == 0.999  # from the mmproto config
    assert cfg.custom_hooks == [dict(type='SubCentroidUpdateHook')]
    assert cfg.default_scope == 'mmpretrain'
    # no 'mmproto' registry scope is attached (only the upstream bases' own scopes)
    assert _scopes(cfg.to_dict(), set()) <= {'mmpretrain'}
    # a source checkout: read from its configs/ (no mmproto/.mim needed, a stale copy unused)
    assert package_scope.configs_root() == osp.join(REPO, 'configs')


def test_missing_mmproto_config_names_the_path(tmp_path):
    cfg_file = tmp_path / 'user.py'
    cfg_file.write_text("_base_ = ['mmproto::dnc/no_such_config.py']\n")
    with pytest.raises(FileNotFoundError, match=r'mmproto::dnc/no_such_config.py \(a _base_ of'):
        Config.fromfile(str(cfg_file))


def test_other_packages_still_resolve_and_registration_is_idempotent():
    package_scope.register_package_scope()
    package_scope.register_package_scope()
    assert Config._get_cfg_path.upstream.__module__ == 'mmengine.config.config'
    path = resolve_config_path('mmpretrain::resnet/resnet18_8xb32_in1k.py')
    assert path.endswith(osp.join('.mim', 'configs', 'resnet', 'resnet18_8xb32_in1k.py'))
    assert osp.isfile(path)
    mine = resolve_config_path('mmproto::mcc/mcc_lenet5_1xb128_fashion-mnist.py')
    assert osp.samefile(mine, osp.join(REPO, 'configs', 'mcc', osp.basename(mine)))
    assert resolve_config_path('configs/x.py') == 'configs/x.py'  # plain paths untouched
