"""mmproto._warnings: third-party warnings each rank repeats are shown on rank 0 only."""

import os
import warnings

import pytest

from mmproto._warnings import RANK_ZERO_ONLY, filter_repeated_warnings

PKG = 'pkg_resources is deprecated as an API. See https://setuptools.pypa.io/...'


@pytest.mark.parametrize('rank,shown', [(0, True), (1, False)])
def test_filter_only_on_other_ranks(rank, shown):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        assert filter_repeated_warnings(rank) is (not shown)
        warnings.warn_explicit(PKG, UserWarning, 'package_utils.py', 17, 'mmengine.utils.x')
        warnings.warn_explicit(
            'The given NumPy array is not writable, and PyTorch ...',
            UserWarning,
            'mnist.py',
            216,
            'mmpretrain.datasets.mnist',
        )
        warnings.warn_explicit('something else', UserWarning, 'x.py', 1, 'mmengine.x')
    messages = [str(w.message) for w in caught]
    assert 'something else' in messages  # nothing blanket
    assert (PKG in messages) is shown
    assert any('not writable' in m for m in messages) is shown


def test_filters_are_precise():
    for message, category, _module in RANK_ZERO_ONLY:
        assert len(message) > 20 and category is UserWarning


def test_mmcv_lite_probe_is_hidden_on_every_rank_and_only_it():
    probe = (
        'Fail to import ``MultiScaleDeformableAttention`` from '
        '``mmcv.ops.multi_scale_deform_attn``, You should install ``mmcv`` rather than '
        '``mmcv-lite`` if you need this module. '
    )
    module = 'mmcv.cnn.bricks.transformer'
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        assert filter_repeated_warnings(0) is False
        warnings.warn_explicit(probe, UserWarning, 'transformer.py', 33, module)
        warnings.warn_explicit(probe, UserWarning, 'other.py', 1, 'mmseg.models.x')
        warnings.warn_explicit('Fail to import ``X``', UserWarning, 'transformer.py', 9, module)
    assert [(str(w.message), w.lineno) for w in caught] == [
        (probe, 1),  # the same text from anywhere else is shown
        ('Fail to import ``X``', 9),  # and anything else the module says
    ]


def test_import_prints_no_mmcv_lite_probe_and_the_op_still_fails_loudly():
    """A user's log starts without the probe's warning (rank 0, default filters); asking for
    the op still raises."""
    import subprocess
    import sys

    code = (
        'import mmproto, mmpretrain.models, mmseg.models\n'
        'try:\n'
        '    from mmcv.ops import MultiScaleDeformableAttention\n'
        'except ModuleNotFoundError as error:\n'
        '    print("refused:", error)\n'
    )
    env = {k: v for k, v in os.environ.items() if k not in ('RANK', 'LOCAL_RANK')}
    env.pop('PYTHONWARNINGS', None)
    proc = subprocess.run(
        [sys.executable, '-c', code], capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert 'MultiScaleDeformableAttention' not in proc.stderr
    try:
        import mmcv._ext  # noqa: F401
    except ImportError:  # mmcv-lite: the op is refused with the stand-in's message
        assert 'refused: mmcv compiled op "MultiScaleDeformableAttention"' in proc.stdout
