"""Fashion-MNIST from the Debian package ``dataset-fashion-mnist``, un-gzipped for mmpretrain.

mmpretrain's ``FashionMNIST`` reads the four idx files un-gzipped from its ``data_root`` (and
would otherwise try to download them). Debian ships them gzipped in
``/usr/share/datasets/fashion-mnist``; :func:`prepare` writes them where a config reads them.
``tools/train.py`` / ``tools/test.py`` call it on first use (:mod:`mmproto.utils.data_check`);
``tools/dataset_converters/prepare_fashion_mnist.py`` is the same as a command.
"""

import gzip
import os
import os.path as osp
import shutil
import struct

DEBIAN_SRC = '/usr/share/datasets/fashion-mnist'
# an apt command that works as root (no sudo needed or present) and as a sudoer
APT_INSTALL = '$(command -v sudo) apt-get install -y dataset-fashion-mnist'
# file -> (idx magic number, number of items)
FILES = {
    'train-images-idx3-ubyte': (2051, 60000),
    'train-labels-idx1-ubyte': (2049, 60000),
    't10k-images-idx3-ubyte': (2051, 10000),
    't10k-labels-idx1-ubyte': (2049, 10000),
}


def check_idx(path: str, magic: int, count: int) -> None:
    """Raise ``ValueError`` unless ``path`` starts with the idx header ``magic, count``."""
    with open(path, 'rb') as f:
        header = f.read(8)
    if len(header) < 8 or struct.unpack('>II', header) != (magic, count):
        raise ValueError(f'{path} is not a Fashion-MNIST idx file with {count} items')


def debian_files_present(src: str = DEBIAN_SRC) -> bool:
    return all(osp.isfile(osp.join(src, f + '.gz')) for f in FILES)


def prepare(src: str = DEBIAN_SRC, out_dir: str = 'data/fashion_mnist') -> list:
    """Write the four un-gzipped idx files into ``out_dir``; return their paths."""
    missing = [f for f in FILES if not osp.isfile(osp.join(src, f + '.gz'))]
    if missing:
        raise FileNotFoundError(
            f'{src} lacks {", ".join(m + ".gz" for m in missing)}. Fashion-MNIST ships as the '
            f'Debian package dataset-fashion-mnist: {APT_INSTALL} '
            '(or pass --src DIR with the four gzipped idx files).'
        )
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for name, (magic, count) in FILES.items():
        target = osp.join(out_dir, name)
        tmp = target + '.part'
        with gzip.open(osp.join(src, name + '.gz'), 'rb') as fin, open(tmp, 'wb') as fout:
            shutil.copyfileobj(fin, fout)
        check_idx(tmp, magic, count)
        os.replace(tmp, target)
        written.append(target)
    return written
