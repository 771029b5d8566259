"""tools/dataset_converters/prepare_fashion_mnist_scenes.py and ``FashionMNISTScenesDataset``."""

import gzip
import json
import os
import os.path as osp
import struct

import numpy as np
import pytest
from conftest import load_script
from PIL import Image

import mmproto  # noqa: F401

TRAIN_LEVEL, TEST_LEVEL = 250, 120  # item pixel values: tell the splits apart in the scenes


def _fake_idx(root, n_train=60, n_test=30, gz=False):
    """Fashion-MNIST idx files whose items are filled discs (train 250, test 120) on black;
    labels 0..9 in turn."""
    os.makedirs(root)
    yy, xx = np.mgrid[0:28, 0:28]
    rng = np.random.default_rng(0)
    opener = gzip.open if gz else open
    for prefix, n, level in (('train', n_train, TRAIN_LEVEL), ('t10k', n_test, TEST_LEVEL)):
        radius = rng.uniform(6, 13, n)
        discs = (yy - 13.5) ** 2 + (xx - 13.5) ** 2 <= radius[:, None, None] ** 2
        images = (discs * level).astype(np.uint8)
        suffix = '.gz' if gz else ''
        with opener(osp.join(root, f'{prefix}-images-idx3-ubyte{suffix}'), 'wb') as f:
            f.write(struct.pack('>IIII', 2051, n, 28, 28) + images.tobytes())
        with opener(osp.join(root, f'{prefix}-labels-idx1-ubyte{suffix}'), 'wb') as f:
            f.write(struct.pack('>II', 2049, n) + (np.arange(n) % 10).astype(np.uint8).tobytes())
    return root


def _read(path):
    return np.asarray(Image.open(path))


@pytest.fixture(scope='module')
def tool():
    return load_script('tools/dataset_converters/prepare_fashion_mnist_scenes.py')


def test_layout_labels_and_splits(tool, tmp_path):
    src = _fake_idx(str(tmp_path / 'fm'))
    out = str(tmp_path / 'scenes')
    counts = tool.prepare(src, out, num_train=6, num_val=4, size=48, seed=3, progress=False)
    assert counts == dict(train=6, val=4)
    for split, n in counts.items():
        for sub in ('img_dir', 'ann_dir'):
            assert sorted(os.listdir(osp.join(out, sub, split))) == [
                f'{i:06d}.png' for i in range(n)
            ]
        with open(osp.join(out, f'items_{split}.json')) as f:
            items = json.load(f)
        assert items['source'] == f'{tool.SPLITS[split]}-images-idx3-ubyte'
        used = [item[0] for scene in items['scenes'].values() for item in scene]
        assert len(used) == len(set(used))  # each item at most once
        for name, placed in items['scenes'].items():
            img = Image.open(osp.join(out, 'img_dir', split, name + '.png'))
            seg = Image.open(osp.join(out, 'ann_dir', split, name + '.png'))
            assert img.mode == seg.mode == 'L' and img.size == seg.size == (48, 48)
            assert 2 <= len(placed) <= 5
            img, seg = np.asarray(img), np.asarray(seg)
            classes = {c + 1 for _, c, *_ in placed}
            values = set(np.unique(seg).tolist())
            assert values <= {0, 255} | classes and values & classes  # items are visible
            # an item's silhouette holds its own (resized) pixels: discs of 250 in train
            # scenes, of 120 in val scenes (the textured background stays below 250)
            level = TRAIN_LEVEL if split == 'train' else TEST_LEVEL
            inside = img[(seg != 0) & (seg != 255)]
            assert (inside == level).mean() > 0.5
            if split == 'val':
                assert not (inside == TRAIN_LEVEL).any()
            assert (seg == 0).mean() > 0.2  # background left
            assert img[seg == 0].std() > 3  # textured, not flat black


def test_deterministic_for_a_seed(tool, tmp_path):
    src = _fake_idx(str(tmp_path / 'fm'), gz=True)  # the Debian .gz files are read as well
    outs = []
    for name, seed in (('a', 0), ('b', 0), ('c', 1)):
        out = str(tmp_path / name)
        tool.prepare(src, out, num_train=3, num_val=2, size=32, seed=seed, progress=False)
        outs.append(out)
    for split in ('train', 'val'):
        for sub in ('img_dir', 'ann_dir'):
            for i in range(2):
                same = [_read(osp.join(o, sub, split, f'{i:06d}.png')) for o in outs]
                assert np.array_equal(same[0], same[1])
        a, c = (_read(osp.join(o, 'img_dir', split, '000000.png')) for o in (outs[0], outs[2]))
        assert not np.array_equal(a, c)


def test_errors_name_the_option(tool, tmp_path):
    with pytest.raises(FileNotFoundError, match='prepare_fashion_mnist.py'):
        tool.prepare(str(tmp_path / 'none'), str(tmp_path / 'out'), progress=False)
    src = _fake_idx(str(tmp_path / 'fm'))
    with pytest.raises(ValueError, match='--num-val'):
        tool.prepare(src, str(tmp_path / 'out'), num_train=2, num_val=10, progress=False)
    with pytest.raises(SystemExit, match='--num-items'):
        tool.main(['--src', src, '--out', str(tmp_path / 'o'), '--num-items', '3', '1'])


def test_dataset_reads_the_scenes(tool, tmp_path):
    from mmengine.registry import DefaultScope
    from mmseg.registry import DATASETS

    src = _fake_idx(str(tmp_path / 'fm'))
    out = str(tmp_path / 'scenes')
    tool.main(['--src', src, '--out', out, '--num-train', '4', '--num-val', '2', '--size', '32'])
    pipeline = [
        dict(type='LoadImageFromFile', color_type='grayscale'),
        dict(type='LoadAnnotations'),
        dict(type='PackSegInputs'),
    ]
    with DefaultScope.overwrite_default_scope('mmseg'):
        dataset = DATASETS.build(
            dict(
                type='FashionMNISTScenesDataset',
                data_root=out,
                data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'),
                pipeline=pipeline,
            )
        )
        sample = dataset[0]
    assert len(dataset) == 2
    meta = dataset.metainfo
    assert len(meta['classes']) == len(meta['palette']) == 11 and meta['classes'][0] == 'background'
    assert tuple(sample['inputs'].shape) == (1, 32, 32)
    seg = sample['data_samples'].gt_sem_seg.data
    assert np.array_equal(seg[0].numpy(), _read(osp.join(out, 'ann_dir', 'val', '000000.png')))


def test_default_source_is_the_prepared_folder_else_the_debian_files(tool, tmp_path, monkeypatch):
    debian = _fake_idx(str(tmp_path / 'debian'), gz=True)  # the package ships .gz files
    monkeypatch.setattr(tool, 'DEBIAN_SRC', debian)
    monkeypatch.chdir(tmp_path)
    tool.main(['--out', 'a', '--num-train', '2', '--num-val', '1', '--size', '32'])
    used = json.load(open(osp.join('a', 'items_train.json')))
    assert used['source'] == 'train-images-idx3-ubyte' and len(used['scenes']) == 2
    # with data/fashion_mnist present it is read instead (the Debian folder is gone now)
    _fake_idx(str(tmp_path / 'data' / 'fashion_mnist'))
    monkeypatch.setattr(tool, 'DEBIAN_SRC', str(tmp_path / 'nowhere'))
    tool.main(['--out', 'b', '--num-train', '2', '--num-val', '1', '--size', '32'])
    assert len(json.load(open(osp.join('b', 'items_train.json')))['scenes']) == 2
