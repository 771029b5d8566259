import os

import numpy as np
import pytest
from helpers import make_cls_folder
from mmpretrain.registry import DATASETS

import mmproto  # noqa: F401
from mmproto.datasets.long_tail import LongTailDataset, long_tail_counts, long_tail_indices


def test_long_tail_profile_counts():
    assert long_tail_counts(5000, 10, 0.01) == [
        5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50,
    ]  # fmt: skip
    counts = long_tail_counts(500, 100, 0.005)
    assert counts[0] == 500 and counts[-1] == 2 and counts == sorted(counts, reverse=True)
    labels = np.repeat(np.arange(4), 10)
    idx = long_tail_indices(labels, 4, 0.1)
    assert np.bincount(labels[idx]).tolist() == [10, 4, 2, 1]
    assert idx == long_tail_indices(labels, 4, 0.1)  # deterministic
    with pytest.raises(ValueError, match='imbalance_factor'):
        long_tail_counts(10, 4, 0.0)


def test_long_tail_n_max_on_an_unbalanced_pool():
    # class 1 is the largest: the default n_max (= 12) asks class 0 for more than it has
    labels = np.array([0] * 9 + [1] * 12 + [2] * 10)
    with pytest.raises(ValueError, match='class 0 has 9 samples'):
        long_tail_indices(labels, 3, 0.25)
    idx = long_tail_indices(labels, 3, 0.25, n_max=8)
    assert np.bincount(labels[idx]).tolist() == [8, 4, 2]  # floor(8 * 0.25 ** (c / 2))
    assert idx == sorted(idx) and all(labels[i] == 0 for i in idx[:8])
    with pytest.raises(ValueError, match='n_max'):
        long_tail_indices(labels, 3, 0.25, n_max=0)


def _write_svhn(root, n):
    from scipy.io import savemat

    rng = np.random.default_rng(0)
    x = rng.integers(0, 255, (32, 32, 3, n), dtype=np.uint8)
    y = (np.arange(n) % 10 + 1).reshape(-1, 1)  # labels 1..10, 10 = digit 0
    savemat(os.path.join(root, 'train_32x32.mat'), dict(X=x, y=y))


def test_svhn_long_tail_wrapper(tmp_path):
    _write_svhn(str(tmp_path), 200)
    ds = DATASETS.build(
        dict(
            type='LongTailDataset',
            imbalance_factor=0.1,
            dataset=dict(type='SVHN', data_root=str(tmp_path), split='train'),
        )
    )
    assert ds.class_counts() == long_tail_counts(20, 10, 0.1)
    item = ds.get_data_info(0)
    assert item['img'].shape == (32, 32, 3) and item['gt_label'] == 1  # y=1 -> digit 1
    assert ds.class_counts()[0] == 20  # y=10 is digit 0, the head class
    capped = DATASETS.build(
        dict(
            type='LongTailDataset',
            imbalance_factor=0.1,
            n_max=10,
            dataset=dict(type='SVHN', data_root=str(tmp_path), split='train'),
        )
    )
    assert capped.class_counts() == long_tail_counts(10, 10, 0.1)


def test_stl10_reader(tmp_path):
    os.makedirs(tmp_path / 'stl10_binary')
    x = np.arange(2 * 3 * 96 * 96, dtype=np.uint32).astype(np.uint8)
    x.tofile(tmp_path / 'stl10_binary' / 'train_X.bin')
    np.array([1, 10], dtype=np.uint8).tofile(tmp_path / 'stl10_binary' / 'train_y.bin')
    ds = DATASETS.build(dict(type='STL10', data_root=str(tmp_path)))
    info = ds.get_data_info(1)
    ref = x.reshape(2, 3, 96, 96)[1]
    assert info['gt_label'] == 9 and info['img'][5, 7, 2] == ref[2, 7, 5]


def test_imagenet200_held_out_split(tmp_path):
    make_cls_folder(str(tmp_path / 'train'), num_classes=4, per_class=5, size=8)
    cfg = dict(
        type='ImageNet200', data_root=str(tmp_path), data_prefix='train', num_test=6,
        classes=['class_3', 'class_1', 'class_0'],
    )  # fmt: skip
    train = DATASETS.build(dict(cfg, split='train'))
    test = DATASETS.build(dict(cfg, split='test'))
    assert len(train) == 9 and len(test) == 6
    paths = {train.get_data_info(i)['img_path'] for i in range(9)}
    assert not paths & {test.get_data_info(i)['img_path'] for i in range(6)}
    assert train.metainfo['classes'] == ('class_3', 'class_1', 'class_0')
    info = [train.get_data_info(i) for i in range(9)]
    assert all(('class_3' in d['img_path']) == (d['gt_label'] == 0) for d in info)


def test_imagenet_lt_annotation_file(tmp_path):
    make_cls_folder(str(tmp_path / 'train'), num_classes=2, per_class=2, size=8)
    (tmp_path / 'ImageNet_LT_train.txt').write_text(
        'train/class_0/img_0.png 0\ntrain/class_1/img_1.png 1\n'
    )
    ds = DATASETS.build(dict(type='ImageNetLT', data_root=str(tmp_path), split='train'))
    assert len(ds) == 2 and ds.get_data_info(1)['gt_label'] == 1
    assert len(ds.metainfo['classes']) == 1000


def test_long_tail_official_svhn_profile_on_the_published_counts():
    """SVHN-LT as the official code: img_max = len(split) / 10, classes with fewer images keep
    all they have (digit 0), train and extra long-tailed on their own."""
    from helpers.standins import SVHN_COUNTS

    for counts in SVHN_COUNTS.values():
        labels = np.repeat(np.arange(10), counts)
        img_max = labels.size / 10
        expected = [min(n, int(img_max * 0.01 ** (c / 9))) for c, n in enumerate(counts)]
        idx = long_tail_indices(labels, 10, 0.01, n_max='mean', clip=True)
        assert np.bincount(labels[idx], minlength=10).tolist() == expected
        with pytest.raises(ValueError, match='clip=True'):
            long_tail_indices(labels, 10, 0.01, n_max='mean')
    # the default head-class size (the largest class) cannot build on SVHN
    labels = np.repeat(np.arange(10), SVHN_COUNTS['train'])
    with pytest.raises(ValueError, match='class 0 has 4948'):
        long_tail_indices(labels, 10, 0.01)


def test_long_tail_dataset_of_parts_joins_separate_profiles():
    from mmpretrain.datasets import BaseDataset

    class Labels(BaseDataset):
        def __init__(self, labels):
            self._labels = labels
            super().__init__(ann_file='', lazy_init=True)

        def load_data_list(self):
            return [dict(gt_label=int(y), img=None) for y in self._labels]

    a = np.repeat(np.arange(3), [10, 20, 30])
    b = np.repeat(np.arange(3), [40, 40, 40])
    ds = LongTailDataset([Labels(a), Labels(b)], 0.25, n_max='mean', clip=True)
    # a: img_max 20 -> [20, 10, 5] clipped to [10, 10, 5]; b: img_max 40 -> [40, 20, 10]
    assert len(ds) == 25 + 70
    assert ds.class_counts() == [50, 30, 15]
    assert [ds.get_cat_ids(i)[0] for i in (0, 24, 25, 94)] == [0, 2, 0, 2]
    assert ds.get_data_info(-1)['gt_label'] == 2
    with pytest.raises(IndexError):
        ds.get_cat_ids(95)
    with pytest.raises(ValueError, match='n_max'):
        LongTailDataset([Labels(a)], 0.25, n_max='median')
