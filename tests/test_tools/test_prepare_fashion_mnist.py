"""tools/dataset_converters/prepare_fashion_mnist.py and the missing-data message of train.py."""

import gzip
import os.path as osp
import struct

import pytest
from conftest import REPO, load_script


def _write_gz_headers(src, files, corrupt=None):
    src.mkdir()
    for name, (magic, count) in files.items():
        payload = struct.pack('>II', magic, count + (name == corrupt)) + b'\x00' * 8
        with gzip.open(src / f'{name}.gz', 'wb') as f:
            f.write(payload)


def test_prepare_ungzips_and_checks_headers(tmp_path):
    prep = load_script('tools/dataset_converters/prepare_fashion_mnist.py')
    _write_gz_headers(tmp_path / 'src', prep.FILES)
    written = prep.prepare(str(tmp_path / 'src'), str(tmp_path / 'out'))
    assert sorted(osp.basename(p) for p in written) == sorted(prep.FILES)
    with open(tmp_path / 'out' / 'train-images-idx3-ubyte', 'rb') as f:
        assert struct.unpack('>II', f.read(8)) == (2051, 60000)


def test_prepare_errors(tmp_path):
    prep = load_script('tools/dataset_converters/prepare_fashion_mnist.py')
    with pytest.raises(FileNotFoundError, match='apt-get install -y dataset-fashion-mnist'):
        prep.prepare(str(tmp_path / 'nothing'), str(tmp_path / 'out'))
    _write_gz_headers(tmp_path / 'bad', prep.FILES, corrupt='t10k-labels-idx1-ubyte')
    with pytest.raises(ValueError, match='t10k-labels-idx1-ubyte'):
        prep.prepare(str(tmp_path / 'bad'), str(tmp_path / 'out'))
    assert not (tmp_path / 'out' / 't10k-labels-idx1-ubyte').exists()


def test_train_without_data_says_how_to_get_it(tmp_path, monkeypatch):
    from mmproto.utils import fashion_mnist

    monkeypatch.setattr(fashion_mnist, 'DEBIAN_SRC', str(tmp_path / 'no-debian-package'))
    train = load_script('tools/train.py')
    empty = str(tmp_path / 'fashion_mnist')
    argv = [
        osp.join(REPO, 'configs', 'dnc', 'dnc_lenet5_1xb128_fashion-mnist.py'),
        '--work-dir',
        str(tmp_path / 'work'),
        '--cfg-options',
        f'train_dataloader.dataset.data_root={empty}',
    ]
    with pytest.raises(FileNotFoundError) as err:
        train.main(argv)
    assert 'apt-get install -y dataset-fashion-mnist' in str(err.value)
    assert f'prepare_fashion_mnist.py --out-dir {empty}' in str(err.value)
