import pytest
import torch

from mmproto.ops import subcentroids_from_class_counts


def test_imagenet_rule_of_appendix_j():
    # App. J: 732-874 -> 1, 875-1016 -> 2, 1017-1158 -> 3, 1159-1300 -> 4
    counts = [732, 874, 875, 1016, 1017, 1158, 1159, 1300, 1000, 1250]
    expected = [1, 1, 2, 2, 3, 3, 4, 4, 2, 4]
    assert subcentroids_from_class_counts(counts, 1, 4).tolist() == expected


def test_equal_counts_and_range():
    assert subcentroids_from_class_counts([5, 5, 5], 1, 4).tolist() == [1, 1, 1]
    k = subcentroids_from_class_counts(torch.arange(1, 101), 2, 6)
    assert int(k.min()) == 2 and int(k.max()) == 6
    assert bool((k[1:] >= k[:-1]).all())  # monotone in the count


@pytest.mark.parametrize('kmin,kmax', [(0, 4), (3, 2)])
def test_bad_k(kmin, kmax):
    with pytest.raises(ValueError, match='k_min'):
        subcentroids_from_class_counts([1, 2], kmin, kmax)
