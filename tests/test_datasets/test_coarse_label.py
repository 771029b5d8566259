import os.path as osp

import pytest
import torch
from helpers import make_cls_folder

from mmproto.datasets import COARSE_PRESETS, CoarseLabelDataset, QueryGalleryDataset

PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='PackInputs', algorithm_keys=['fine_label']),
]


@pytest.fixture(scope='module')
def folder(tmp_path_factory):
    return make_cls_folder(str(tmp_path_factory.mktemp('cls')), num_classes=4, per_class=3, size=8)


def fine_cfg(root):
    return dict(type='CustomDataset', data_root=root, with_label=True)


def test_coarse_labels_and_fine_labels_kept(folder):
    ds = CoarseLabelDataset(
        dataset=fine_cfg(folder),
        fine_to_coarse=[1, 0, 1, 0],
        coarse_classes=['a', 'b'],
        pipeline=PIPELINE,
    )
    assert ds.CLASSES == ('a', 'b') and ds.metainfo['fine_classes'] == tuple(
        f'class_{i}' for i in range(4)
    )
    fine = [ds.get_data_info(i)['fine_label'] for i in range(len(ds))]
    assert fine == [c for c in range(4) for _ in range(3)]
    assert ds.get_gt_labels().tolist() == [[1, 0, 1, 0][f] for f in fine]
    sample = ds[4]['data_samples']
    assert int(sample.gt_label) == 0 and sample.fine_label == 1
    fine_level = CoarseLabelDataset(
        dataset=fine_cfg(folder), fine_to_coarse=[1, 0, 1, 0], label_level='fine'
    )
    assert fine_level.get_gt_labels().tolist() == fine and len(fine_level.CLASSES) == 4


def test_presets_are_consistent():
    cifar, names = COARSE_PRESETS['cifar100']
    assert len(cifar) == 100 and len(names) == 20
    assert all(cifar.count(c) == 5 for c in range(20))  # 5 fine classes per super-class
    fm, fm_names = COARSE_PRESETS['fashion-mnist']
    assert len(fm) == 10 and sorted(set(fm)) == [0, 1, 2] and len(fm_names) == 3


def test_class_mapping_file_by_index_name_and_wnid(tmp_path, folder):
    path = tmp_path / 'map.txt'
    path.write_text('# fine coarse name\n0 0 first group\nclass_1 1 second\n2 0\nclass_3 1\n')
    ds = CoarseLabelDataset(dataset=fine_cfg(folder), class_mapping_file=str(path))
    assert ds.CLASSES == ('first group', 'second')
    assert ds.metainfo['fine_to_coarse'] == (0, 1, 0, 1)
    # WordNet ids are read from ImageNet-style folders
    root = tmp_path / 'inet'
    for i, wnid in enumerate(['n00000002', 'n00000001']):
        make_cls_folder(str(tmp_path / f'tmp{i}'), num_classes=1, per_class=2, size=8, seed=i)
        (root / wnid).mkdir(parents=True)
        for f in (tmp_path / f'tmp{i}' / 'class_0').iterdir():
            f.rename(root / wnid / f.name)
    wmap = tmp_path / 'wnid.txt'
    wmap.write_text('n00000002 1\nn00000001 0\n')
    ds = CoarseLabelDataset(dataset=fine_cfg(str(root)), class_mapping_file=str(wmap))
    # folders are sorted: n00000001 is fine class 0 -> coarse 0
    assert ds.metainfo['fine_to_coarse'] == (0, 1)


def test_bad_input_names_the_field(tmp_path, folder):
    with pytest.raises(FileNotFoundError, match='class_mapping_file'):
        CoarseLabelDataset(dataset=fine_cfg(folder), class_mapping_file=str(tmp_path / 'no.txt'))
    with pytest.raises(ValueError, match='fine_to_coarse has 3 entries'):
        CoarseLabelDataset(dataset=fine_cfg(folder), fine_to_coarse=[0, 1, 0])
    with pytest.raises(ValueError, match='unknown fine_to_coarse preset'):
        CoarseLabelDataset(dataset=fine_cfg(folder), fine_to_coarse='cifar-20')
    with pytest.raises(ValueError, match='exactly one'):
        CoarseLabelDataset(dataset=fine_cfg(folder))
    bad = tmp_path / 'bad.txt'
    bad.write_text('0 0\n1 0\n2 1\n')
    with pytest.raises(ValueError, match='no coarse class for 1 fine classes'):
        CoarseLabelDataset(dataset=fine_cfg(folder), class_mapping_file=str(bad))


def test_query_gallery_flags(folder):
    cfg = dict(
        type='CoarseLabelDataset',
        dataset=fine_cfg(folder),
        fine_to_coarse=[0, 0, 1, 1],
        pipeline=PIPELINE,
    )
    ds = QueryGalleryDataset(query=dict(cfg, indices=5), gallery=cfg)
    assert len(ds) == 5 + 12
    flags = [ds[i]['data_samples'].knn_gallery for i in range(len(ds))]
    assert flags == [False] * 5 + [True] * 12
    alone = QueryGalleryDataset(query=cfg)
    assert not alone[0]['data_samples'].knn_gallery
    assert osp.isdir(folder) and torch.is_tensor(ds[0]['inputs'])
