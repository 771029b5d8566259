"""Un-gzip Fashion-MNIST from the Debian package ``dataset-fashion-mnist`` for mmpretrain.

mmpretrain's ``FashionMNIST`` dataset reads the four idx files un-gzipped from its
``data_root``. Debian ships them gzipped in ``/usr/share/datasets/fashion-mnist``::

    sudo apt-get install dataset-fashion-mnist
    python tools/dataset_converters/prepare_fashion_mnist.py   # -> data/fashion_mnist/
"""

import argparse
import gzip
import os
import os.path as osp
import shutil
import struct
import sys

DEFAULT_SRC = '/usr/share/datasets/fashion-mnist'
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


def prepare(src: str = DEFAULT_SRC, out_dir: str = 'data/fashion_mnist') -> list:
    """Write the four un-gzipped idx files into ``out_dir``; return their paths."""
    missing = [f for f in FILES if not osp.isfile(osp.join(src, f + '.gz'))]
    if missing:
        raise FileNotFoundError(
            f'{src} lacks {", ".join(m + ".gz" for m in missing)}. Fashion-MNIST ships as the '
            'Debian package dataset-fashion-mnist: sudo apt-get install dataset-fashion-mnist '
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


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--src', default=DEFAULT_SRC, help='folder of the gzipped idx files')
    parser.add_argument('--out-dir', default='data/fashion_mnist', help='output folder')
    args = parser.parse_args(argv)
    try:
        written = prepare(args.src, args.out_dir)
    except (FileNotFoundError, ValueError) as err:
        sys.exit(f'error: {err}')
    for path in written:
        print(f'wrote {path} ({osp.getsize(path)} bytes)')


if __name__ == '__main__':
    main()
