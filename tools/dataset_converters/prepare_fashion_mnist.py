"""Un-gzip Fashion-MNIST from the Debian package ``dataset-fashion-mnist`` for mmpretrain.

mmpretrain's ``FashionMNIST`` dataset reads the four idx files un-gzipped from its
``data_root``. Debian ships them gzipped in ``/usr/share/datasets/fashion-mnist``.
``tools/train.py`` and ``tools/test.py`` do this on first use; by hand::

    $(command -v sudo) apt-get install -y dataset-fashion-mnist
    python tools/dataset_converters/prepare_fashion_mnist.py   # -> data/fashion_mnist/
"""

import argparse
import os.path as osp
import sys

from mmproto.utils.fashion_mnist import DEBIAN_SRC as DEFAULT_SRC
from mmproto.utils.fashion_mnist import FILES, check_idx, prepare

__all__ = ['DEFAULT_SRC', 'FILES', 'check_idx', 'prepare', 'main']


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
