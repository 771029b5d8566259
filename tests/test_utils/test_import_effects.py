"""The import-time effects listed in ``mmproto/__init__.py``: each is there, nothing else is,
and each upstream (often private) API it relies on still behaves as assumed. A failure here
names the upstream API that changed."""

import ast
import importlib.util
import inspect
import os
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.config import utils as config_utils
from mmengine.logging import HistoryBuffer
from mmengine.runner import checkpoint as mmengine_checkpoint

import mmproto
from mmproto.utils import compat, package_scope
from mmproto.utils.checkpoint import load_local_checkpoint

EFFECTS = """
import os, sys
import mmengine.config, mmengine.runner, mmpretrain.models  # the upstream stack first
environ = dict(os.environ)
from mmengine.config import Config, utils
from mmengine.runner.checkpoint import CheckpointLoader
schemes = dict(CheckpointLoader._schemes)
modules = set(sys.modules)
import mmproto
new = {k for k, v in os.environ.items() if environ.get(k) != v}
print('ENV', sorted(new))
print('SCHEMES', sorted(k for k, v in CheckpointLoader._schemes.items() if schemes.get(k) is not v))
print('CFGPATH', Config._get_cfg_path.__module__, utils.MODULE2PACKAGE.get('mmproto'))
print('OPS', getattr(sys.modules.get('mmcv.ops'), '__file__', None))
"""


def _run_effects() -> dict:
    out = subprocess.run(
        [sys.executable, '-W', 'ignore', '-c', EFFECTS],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)),
    ).stdout
    return dict(line.split(' ', 1) for line in out.splitlines() if line[:3].isupper())


@pytest.mark.slow
def test_import_has_the_listed_effects_only():
    found = _run_effects()
    assert 'MMPROTO' not in found['ENV']  # no switch written for child processes
    assert found['SCHEMES'] == "['']"  # (4) the local-file loader, no other scheme
    assert found['CFGPATH'] == 'mmproto.utils.package_scope mmproto'  # (3)
    lite = importlib.util.find_spec(compat.EXT) is None
    assert (found['OPS'] == compat.STAND_IN_FILE) is lite  # (5) with mmcv-lite only


def test_docstring_lists_every_effect():
    doc = mmproto.__doc__
    for name in ('MODULE2PACKAGE', '_get_cfg_path', 'CheckpointLoader', 'mmcv.ops', '_warnings'):
        assert name in doc, name


# (3) mmengine's private config API behind ``mmproto::`` paths


def test_mmengine_module2package_is_the_table_base_paths_consult():
    assert isinstance(config_utils.MODULE2PACKAGE, dict), 'mmengine MODULE2PACKAGE moved'
    assert config_utils.MODULE2PACKAGE.get('mmpretrain') == 'mmpretrain'
    upstream = package_scope._get_cfg_path.upstream
    saved = config_utils.MODULE2PACKAGE.pop('mmproto')
    try:
        with pytest.raises(AssertionError, match='mmproto'):
            upstream('mmproto::dnc/x.py', '')  # without the entry mmengine refuses the scope
    finally:
        config_utils.MODULE2PACKAGE['mmproto'] = saved


def test_mmengine_get_cfg_path_contract():
    assert isinstance(Config.__dict__['_get_cfg_path'], staticmethod)
    upstream = package_scope._get_cfg_path.upstream
    assert upstream.__module__ == 'mmengine.config.config'
    assert list(inspect.signature(upstream).parameters) == ['cfg_path', 'filename']
    path, scope = upstream('mmpretrain::resnet/resnet18_8xb32_in1k.py', '')
    assert scope == 'mmpretrain' and os.path.isfile(path)
    assert upstream('./x.py', '/a/b.py') == ('/a/./x.py', None)
    # Config resolves each _base_ through the class attribute (the one we wrap)
    assert 'Config._get_cfg_path(' in inspect.getsource(Config._file2dict)


# (4) mmengine's checkpoint loader registry


def test_mmengine_checkpoint_loader_contract(tmp_path):
    loader = mmengine_checkpoint.CheckpointLoader
    assert loader._get_checkpoint_loader(str(tmp_path / 'a.pth')) is load_local_checkpoint
    params = inspect.signature(loader.register_scheme).parameters
    assert {'prefixes', 'loader', 'force'} <= set(params), 'CheckpointLoader.register_scheme'
    # the Runner's load_from / resume go through it
    assert 'CheckpointLoader.load_checkpoint' in inspect.getsource(
        mmengine_checkpoint._load_checkpoint
    )


def test_mmengine_own_local_loader_still_refuses_resume_files(tmp_path):
    """Why the loader is replaced: when this fails, mmengine loads resume files itself and
    effect (4) can go."""
    path = tmp_path / 'resume.pth'
    torch.save({'message_hub': HistoryBuffer([1.0], [1])}, path)
    with pytest.raises(Exception, match='HistoryBuffer'):
        mmengine_checkpoint.load_from_local(str(path), map_location='cpu')
    assert load_local_checkpoint(str(path))['message_hub'].mean() == 1.0


# (5) mmcv / mmseg behaviour behind the mmcv.ops stand-in


def test_mmcv_ops_exports_the_names_mmseg_imports():
    import mmcv

    init = os.path.join(os.path.dirname(mmcv.__file__), 'ops', '__init__.py')
    names = compat._exported_names(init)
    assert names['point_sample'] == ('point_sample', 'point_sample')
    assert names['sigmoid_focal_loss'] == ('focal_loss', 'sigmoid_focal_loss')
    from mmcv.utils import ext_loader

    assert "'mmcv.' + name" in inspect.getsource(ext_loader.load_ext), 'mmcv ext_loader'


def _unconditional_imports(module_name: str) -> set:
    """Names a module imports from ``mmcv.ops`` at its top level, outside ``try``."""
    source = open(importlib.util.find_spec(module_name).origin, encoding='utf-8').read()
    return {
        alias.name
        for node in ast.parse(source).body
        if isinstance(node, ast.ImportFrom) and node.module == 'mmcv.ops'
        for alias in node.names
    }


def test_mmseg_imports_exactly_these_names_unconditionally():
    """When mmseg changes what it needs from mmcv.ops, MMSEG_IMPORTS must follow."""
    for name, modules in compat.MMSEG_IMPORTS.items():
        for module in modules:
            assert name in _unconditional_imports(module), (module, name)


# (6) torchvision's op schemas where its compiled ops do not load (the CPU-only stack)

TORCHVISION_WITHOUT_OPS = """
import sys, torch
load_library = torch.ops.load_library
def refuse(path):  # torchvision's compiled ops do not load beside this torch
    if 'torchvision' in str(path):
        raise OSError('simulated: torchvision ops built for another torch')
    return load_library(path)
torch.ops.load_library = refuse
if sys.argv[1] == 'mmproto':
    import mmproto
try:
    import torchvision, mmpretrain.models
except RuntimeError as error:
    print('IMPORT failed', 'torchvision::nms' in str(error))
    sys.exit()
print('IMPORT ok')
try:
    torchvision.ops.nms(torch.zeros(1, 4), torch.zeros(1), 0.5)
    print('NMS ran')
except RuntimeError as error:
    print('NMS refused', "Couldn't load custom C++ ops" in str(error))
"""


def _torchvision_without_ops(first: str) -> list:
    out = subprocess.run(
        [sys.executable, '-W', 'ignore', '-c', TORCHVISION_WITHOUT_OPS, first],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)),
    ).stdout
    return out.split()


@pytest.mark.slow
def test_torchvision_without_compiled_ops_fails_upstream_and_imports_after_mmproto():
    # upstream: torchvision's import needs its op schemas (what effect 6 declares)
    assert _torchvision_without_ops('torchvision') == ['IMPORT', 'failed', 'True']
    # after ``import mmproto``: torchvision and mmpretrain import, a torchvision op still
    # raises torchvision's own error
    assert _torchvision_without_ops('mmproto') == ['IMPORT', 'ok', 'NMS', 'refused', 'True']


def test_torchvision_schemas_are_left_alone_when_its_ops_load():
    import torchvision  # noqa: F401  (the default stack: compiled ops load)

    assert compat.declare_torchvision_op_schemas() is False
