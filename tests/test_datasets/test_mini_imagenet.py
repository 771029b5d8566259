"""MiniImageNet over the standard split CSV files."""

import os

import pytest
from PIL import Image

from mmproto.datasets import MiniImageNet


def _write(root, classes_per_file=((0, 1), (2,), (3,)), per_class=5):
    os.makedirs(os.path.join(root, 'images'))
    wnids = [f'n{1000 + c:08d}' for c in range(4)]
    for name, cls in zip(('train.csv', 'val.csv', 'test.csv'), classes_per_file):
        with open(os.path.join(root, name), 'w') as f:
            f.write('filename,label\n')
            for c in cls:
                for i in range(per_class):
                    fname = f'{wnids[c]}{i:08d}.jpg'
                    Image.new('RGB', (8, 8), (c * 40, 0, 0)).save(
                        os.path.join(root, 'images', fname)
                    )
                    f.write(f'{fname},{wnids[c]}\n')
    return wnids


def test_train_test_split(tmp_path):
    root = str(tmp_path)
    wnids = _write(root, classes_per_file=((3, 1), (2,), (0,)))
    train = MiniImageNet(root, split='train', num_train_per_class=3)
    test = MiniImageNet(root, split='test', num_train_per_class=3)
    assert train.CLASSES == test.CLASSES == tuple(sorted(wnids))
    assert len(train) == 4 * 3 and len(test) == 4 * 2
    train_files = {os.path.basename(train.get_data_info(i)['img_path']) for i in range(len(train))}
    test_files = {os.path.basename(test.get_data_info(i)['img_path']) for i in range(len(test))}
    assert not train_files & test_files
    assert f'{wnids[3]}00000000.jpg' in train_files and f'{wnids[3]}00000004.jpg' in test_files
    info = train.get_data_info(0)
    assert info['gt_label'] == 0 and os.path.isfile(info['img_path'])
    assert sorted(set(train.get_gt_labels().tolist())) == [0, 1, 2, 3]
    assert test.test_mode and not train.test_mode


def test_pipeline_loads_images(tmp_path):
    root = str(tmp_path)
    _write(root)
    ds = MiniImageNet(
        root,
        num_train_per_class=4,
        pipeline=[dict(type='LoadImageFromFile'), dict(type='PackInputs')],
    )
    item = ds[0]
    assert tuple(item['inputs'].shape) == (3, 8, 8)


def test_errors(tmp_path):
    root = str(tmp_path)
    _write(root)
    with pytest.raises(ValueError, match='num_train_per_class=5'):
        MiniImageNet(root, num_train_per_class=5)
    with pytest.raises(ValueError, match='split'):
        MiniImageNet(root, split='val')
    with pytest.raises(FileNotFoundError, match='extra.csv'):
        MiniImageNet(root, csv_files=('train.csv', 'extra.csv'), num_train_per_class=2)
    with open(os.path.join(root, 'bad.csv'), 'w') as f:
        f.write('file,cls\nx.jpg,n1\n')
    with pytest.raises(ValueError, match='header'):
        MiniImageNet(root, csv_files=('bad.csv',), num_train_per_class=2)
