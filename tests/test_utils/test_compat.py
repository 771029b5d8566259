"""mmproto/utils/compat.py: the ``mmcv.ops`` stand-in answers only for what mmcv-lite lacks."""

import importlib
import importlib.util
import sys

import pytest
import torch

import mmproto  # noqa: F401  (installs the stand-in)
from mmproto.utils.compat import EXT, MMSEG_IMPORTS, STAND_IN_FILE

LITE = getattr(sys.modules.get('mmcv.ops'), '__file__', '') == STAND_IN_FILE
needs_lite = pytest.mark.skipif(not LITE, reason='a full mmcv build is installed')


def test_stand_in_only_without_compiled_ops():
    assert LITE is (importlib.util.find_spec(EXT) is None)


def test_mmcv_full_available_is_false_on_lite():
    from mmengine.utils.dl_utils import mmcv_full_available

    assert mmcv_full_available() is (not LITE)


def test_runner_wrap_model_without_compiled_ops():
    """``revert_sync_batchnorm`` (run by every non-distributed Runner) asks for mmcv._ext."""
    from mmengine.model import revert_sync_batchnorm

    model = torch.nn.Sequential(torch.nn.SyncBatchNorm(4))
    reverted = revert_sync_batchnorm(model)
    assert not isinstance(reverted[0], torch.nn.SyncBatchNorm)


@needs_lite
def test_mmseg_imports_what_it_needs():
    for name, modules in MMSEG_IMPORTS.items():
        for module in modules:
            assert importlib.import_module(module), (name, module)
    from mmcv.ops import point_sample
    from mmseg.models.decode_heads import san_head

    # the real pure-PyTorch op, not a stand-in
    assert point_sample.__module__ == 'mmcv.ops.point_sample'
    assert san_head.point_sample is point_sample
    feats = torch.arange(16.0).view(1, 1, 4, 4)
    corners = torch.tensor([[[0.125, 0.125], [0.875, 0.875]]])
    assert point_sample(feats, corners).flatten().tolist() == [0.0, 15.0]


@needs_lite
def test_compiled_op_stand_in_raises_clear_error_when_called():
    from mmcv.ops import sigmoid_focal_loss

    with pytest.raises(RuntimeError, match='sigmoid_focal_loss.*mmcv-lite'):
        sigmoid_focal_loss(torch.zeros(2, 3), torch.zeros(2, dtype=torch.long), 2.0, 0.25)


@needs_lite
@pytest.mark.parametrize('name', ['PSAMask', 'DeformConv2d', 'SyncBatchNorm', 'nms'])
def test_other_compiled_ops_fail_to_import_as_upstream(name):
    """mmseg / mmengine probe them with ``try: from mmcv.ops import X``."""
    with pytest.raises(ModuleNotFoundError, match=name) as info:
        exec(f'from mmcv.ops import {name}', {})
    assert info.value.name == EXT


@needs_lite
def test_mmseg_probes_see_the_missing_ops():
    from mmseg.models.decode_heads import cc_head, point_head, psa_head

    assert psa_head.PSAMask is None  # compiled: missing, as with mmcv-lite alone
    assert cc_head.CrissCrossAttention is not None  # pure PyTorch
    assert point_head.point_sample is not None
