"""mmproto.utils.check_dataset_files: missing (Fashion)MNIST files give instructions."""

import pytest
from mmengine.config import Config

from mmproto.utils import check_dataset_files
from mmproto.utils.data_check import IDX_FILES


def _cfg(dataset: dict) -> Config:
    return Config(dict(train_dataloader=dict(dataset=dataset), val_dataloader=None))


def test_missing_fashion_mnist_says_how_to_get_it(tmp_path):
    cfg = _cfg(dict(type='FashionMNIST', data_root=str(tmp_path / 'fmnist')))
    with pytest.raises(FileNotFoundError) as err:
        check_dataset_files(cfg)
    msg = str(err.value)
    assert 'train_dataloader.dataset (FashionMNIST)' in msg
    assert 'apt-get install dataset-fashion-mnist' in msg
    assert 'prepare_fashion_mnist.py --out-dir ' + str(tmp_path / 'fmnist') in msg


def test_wrapped_and_prefixed_datasets_are_checked(tmp_path):
    (tmp_path / 'mnist').mkdir()
    for name in IDX_FILES[:3]:
        (tmp_path / 'mnist' / name).write_bytes(b'')
    inner = dict(type='mmpretrain.MNIST', data_root=str(tmp_path), data_prefix='mnist')
    cfg = _cfg(dict(type='ClassBalancedDataset', oversample_thr=0.1, dataset=inner))
    with pytest.raises(FileNotFoundError, match=IDX_FILES[3]):
        check_dataset_files(cfg)
    (tmp_path / 'mnist' / IDX_FILES[3]).write_bytes(b'')
    check_dataset_files(cfg)


def test_other_datasets_and_fields_are_ignored(tmp_path):
    check_dataset_files(_cfg(dict(type='ImageNet', data_root=str(tmp_path / 'none'))))
    cfg = _cfg(dict(type='FashionMNIST', data_root=str(tmp_path / 'none')))
    check_dataset_files(cfg, fields=('test_dataloader',))
