"""mmproto._warnings: third-party warnings each rank repeats are shown on rank 0 only."""

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
