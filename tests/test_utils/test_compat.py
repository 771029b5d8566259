"""The compatibility shims applied by ``import mmproto``."""

import sys

import pytest
import torch

import mmproto  # noqa: F401  (applies the shims)


def _stub_installed() -> bool:
    return getattr(sys.modules.get('mmcv._ext'), '__file__', '').startswith('<mmproto')


def test_mmcv_full_available_does_not_raise():
    from mmengine.utils.dl_utils import mmcv_full_available

    available = mmcv_full_available()
    if _stub_installed():
        assert available is False


def test_runner_wrap_model_without_compiled_ops():
    """``revert_sync_batchnorm`` (run by every non-distributed Runner) asks for mmcv._ext."""
    from mmengine.model import revert_sync_batchnorm

    model = torch.nn.Sequential(torch.nn.SyncBatchNorm(4))
    reverted = revert_sync_batchnorm(model)
    assert not isinstance(reverted[0], torch.nn.SyncBatchNorm)


def test_missing_op_raises_clear_error():
    if not _stub_installed():
        pytest.skip('a real mmcv._ext is installed')
    ext = sys.modules['mmcv._ext']
    with pytest.raises(RuntimeError, match='mmcv-lite'):
        ext.deform_conv_forward()


def test_checkpoint_loader_reads_pickled_objects(tmp_path):
    from mmengine.logging import HistoryBuffer
    from mmengine.runner.checkpoint import CheckpointLoader

    path = tmp_path / 'ckpt.pth'
    torch.save({'buffer': HistoryBuffer([1.0, 2.0], [1, 1])}, path)
    loaded = CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert loaded['buffer'].mean() == pytest.approx(1.5)
