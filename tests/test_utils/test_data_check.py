"""mmproto.utils.check_dataset_files: missing (Fashion)MNIST files give instructions."""

import gzip
import os.path as osp
import struct

import pytest
from mmengine.config import Config

from mmproto.utils import check_dataset_files, fashion_mnist
from mmproto.utils.data_check import IDX_FILES

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _cfg(dataset: dict) -> Config:
    return Config(dict(train_dataloader=dict(dataset=dataset), val_dataloader=None))


@pytest.fixture
def no_debian_package(tmp_path, monkeypatch):
    monkeypatch.setattr(fashion_mnist, 'DEBIAN_SRC', str(tmp_path / 'no-debian-package'))


def test_missing_fashion_mnist_says_how_to_get_it(tmp_path, no_debian_package):
    cfg = _cfg(dict(type='FashionMNIST', data_root=str(tmp_path / 'fmnist')))
    with pytest.raises(FileNotFoundError) as err:
        check_dataset_files(cfg)
    msg = str(err.value)
    assert 'train_dataloader.dataset (FashionMNIST)' in msg
    assert '$(command -v sudo) apt-get install -y dataset-fashion-mnist' in msg
    assert 'prepare_fashion_mnist.py --out-dir ' + str(tmp_path / 'fmnist') in msg


def test_message_paths_hold_from_another_directory(tmp_path, monkeypatch, no_debian_package):
    monkeypatch.chdir(tmp_path)
    cfg = _cfg(dict(type='FashionMNIST', data_root='data/fashion_mnist'))
    with pytest.raises(FileNotFoundError) as err:
        check_dataset_files(cfg)
    msg = str(err.value)
    tool = osp.join(REPO, 'tools', 'dataset_converters', 'prepare_fashion_mnist.py')
    assert f'python {tool} --out-dir {tmp_path}/data/fashion_mnist' in msg
    assert osp.isfile(tool)


def test_fashion_mnist_is_prepared_from_the_debian_files_on_first_use(tmp_path, monkeypatch):
    src = tmp_path / 'debian'
    src.mkdir()
    for name, (magic, count) in fashion_mnist.FILES.items():
        with gzip.open(src / f'{name}.gz', 'wb') as f:
            f.write(struct.pack('>II', magic, count))
    monkeypatch.setattr(fashion_mnist, 'DEBIAN_SRC', str(src))
    cfg = _cfg(dict(type='FashionMNIST', data_root=str(tmp_path / 'fmnist')))
    check_dataset_files(cfg)
    assert sorted(p.name for p in (tmp_path / 'fmnist').iterdir()) == sorted(IDX_FILES)
    with pytest.raises(FileNotFoundError):  # prepare=False: only the message
        check_dataset_files(
            _cfg(dict(type='FashionMNIST', data_root=str(tmp_path / 'x'))), prepare=False
        )


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


def test_other_datasets_and_fields_are_ignored(tmp_path, no_debian_package):
    missing = str(tmp_path / 'none')
    # the same missing root is refused for a checked dataset type and field...
    cfg = _cfg(dict(type='FashionMNIST', data_root=missing))
    with pytest.raises(FileNotFoundError, match='none'):
        check_dataset_files(cfg)
    # ...and passes for a type the check does not know, or a field it was not asked about
    assert check_dataset_files(_cfg(dict(type='ImageNet', data_root=missing))) is None
    assert check_dataset_files(cfg, fields=('test_dataloader',)) is None


def test_missing_segmentation_data_says_how_to_get_it(tmp_path):
    root = str(tmp_path / 'ade')
    dataset = dict(
        type='ADE20KDataset',
        data_root=root,
        data_prefix=dict(img_path='images/training', seg_map_path='annotations/training'),
    )
    cfg = _cfg(dataset)
    with pytest.raises(FileNotFoundError) as err:
        check_dataset_files(cfg)
    msg = str(err.value)
    # the classification message's form: "<field>.dataset (<type>) finds no <files> in <root>."
    assert msg.startswith(
        f'train_dataloader.dataset (ADE20KDataset) finds no images/training, '
        f"annotations/training in '{root}'."
    )
    assert '2_dataset_prepare' in msg
    assert '--cfg-options train_dataloader.dataset.data_root=' in msg
    (tmp_path / 'ade' / 'images' / 'training').mkdir(parents=True)
    (tmp_path / 'ade' / 'annotations' / 'training').mkdir(parents=True)
    check_dataset_files(cfg)
    dataset['ann_file'] = 'train.txt'
    with pytest.raises(FileNotFoundError, match=r'finds no train\.txt in'):
        check_dataset_files(_cfg(dataset))


def test_missing_scenes_name_their_converter(tmp_path):
    """The Fashion-MNIST scenes come from this repository's converter, not mmseg's guide."""
    import os.path as osp

    root = str(tmp_path / 'scenes')
    cfg = Config.fromfile(
        osp.join(
            osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs', 'dnc_seg',
            'dnc-fcn_r18-w16-d8_1xb8-2k_fashion-mnist-scenes-64x64.py',
        )
    )  # fmt: skip
    cfg.train_dataloader.dataset.data_root = root
    with pytest.raises(FileNotFoundError) as err:
        check_dataset_files(cfg, ('train_dataloader',))
    msg = str(err.value)
    assert 'FashionMNISTScenesDataset) finds no img_dir/train, ann_dir/train' in msg
    assert f'prepare_fashion_mnist_scenes.py --out {root}' in msg
    assert '2_dataset_prepare' not in msg


def test_train_tool_reports_missing_segmentation_data(tmp_path):
    """tools/train.py on a segmentation config without its data: the clear message."""
    import importlib.util
    import os.path as osp

    repo = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    spec = importlib.util.spec_from_file_location('train_tool', osp.join(repo, 'tools/train.py'))
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    config = osp.join(repo, 'tests', 'data', 'configs', 'tiny_seg.py')
    opts = [f'{s}_dataloader.dataset.data_root={tmp_path}/none' for s in ('train', 'val', 'test')]
    with pytest.raises(FileNotFoundError, match=r'train_dataloader\.dataset \(\w+\) finds no'):
        train.main([config, '--work-dir', str(tmp_path / 'w'), '--cfg-options', *opts])
