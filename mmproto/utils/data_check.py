"""Fail early, with instructions, when a config's dataset files are not on disk.

mmpretrain's ``MNIST`` / ``FashionMNIST`` look for the four un-gzipped idx files in their
root and otherwise try to download them (impossible offline) or report only that the
dataset is missing; an mmseg dataset (``data_prefix`` with ``img_path`` / ``seg_map_path``)
ends in a raw ``FileNotFoundError`` deep inside its file listing. ``tools/train.py`` and
``tools/test.py`` call :func:`check_dataset_files` before building the Runner, so the user
learns how to get the data instead. Fashion-MNIST is prepared on first use from the Debian
package's files when they are installed (never downloaded).
"""

import logging
import os.path as osp
from typing import Iterator, Sequence

from mmengine.config import Config
from mmengine.logging import print_log

from . import fashion_mnist
from .package_scope import configs_root

IDX_FILES = (
    'train-images-idx3-ubyte',
    'train-labels-idx1-ubyte',
    't10k-images-idx3-ubyte',
    't10k-labels-idx1-ubyte',
)

HOW_TO_GET = {
    'FashionMNIST': (
        'Fashion-MNIST ships as the Debian package dataset-fashion-mnist ({src}). Install it '
        '(as root or with sudo):\n'
        '    ' + fashion_mnist.APT_INSTALL + '\n'
        'then run again: tools/train.py and tools/test.py un-gzip it into {root} on first use '
        '(by hand: python {tools}/dataset_converters/prepare_fashion_mnist.py --out-dir {root})'
    ),
    'MNIST': (
        'put the four un-gzipped MNIST idx files ({files}) into {root}, or set '
        'download=True in the dataset config on a machine with internet access.'
    ),
}

SEG_HOW_TO_GET = (
    "mmseg datasets are not downloaded automatically: prepare {type} as mmseg's dataset guide "
    'says (https://mmsegmentation.readthedocs.io/en/latest/user_guides/2_dataset_prepare.html)'
    ' so that {root} holds it, or point the config at your copy:\n'
    '    --cfg-options {field}.dataset.data_root=/path/to/{type}'
)

# mmseg datasets made by a converter of this repository
SEG_CONVERTERS = {
    'FashionMNISTScenesDataset': (
        'the scenes are composed from Fashion-MNIST (sudo apt-get install '
        'dataset-fashion-mnist):\n'
        '    python tools/dataset_converters/prepare_fashion_mnist.py\n'
        '    python tools/dataset_converters/prepare_fashion_mnist_scenes.py --out {root}'
    ),
}


def _iter_datasets(dataset_cfg) -> Iterator[dict]:
    """The dataset config and every dataset it wraps (``dataset=`` / ``datasets=[...]``)."""
    if not isinstance(dataset_cfg, dict):
        return
    yield dataset_cfg
    yield from _iter_datasets(dataset_cfg.get('dataset', None))
    for sub in dataset_cfg.get('datasets', None) or []:
        yield from _iter_datasets(sub)


def _idx_root(dataset_cfg: dict) -> str:
    """Where mmpretrain's MNIST-style datasets read: ``data_root`` joined with ``data_prefix``."""
    data_root = dataset_cfg.get('data_root', '') or ''
    prefix = dataset_cfg.get('data_prefix', '') or ''
    if isinstance(prefix, dict):
        prefix = prefix.get('root', '') or ''
    return osp.join(data_root, prefix) if data_root else prefix


def _missing_seg_files(dataset_cfg: dict) -> list:
    """The image / annotation folders and ann_file of an mmseg dataset that do not exist."""
    prefix = dataset_cfg.get('data_prefix', None)
    if not isinstance(prefix, dict) or 'seg_map_path' not in prefix:
        return []
    root = dataset_cfg.get('data_root', '') or ''
    paths = [prefix.get('img_path', ''), prefix['seg_map_path']]
    missing = [p for p in paths if p and not osp.isdir(osp.join(root, p))]
    ann = dataset_cfg.get('ann_file', '') or ''
    if ann and not osp.isfile(osp.join(root, ann)):
        missing.append(ann)
    return missing


def _tools_dir() -> str:
    """Absolute path of mmproto's ``tools/`` (a checkout's, or an install's ``.mim/tools``)."""
    try:
        return osp.join(osp.dirname(configs_root()), 'tools')
    except FileNotFoundError:
        return 'tools'


def _prepare_fashion_mnist(root: str) -> list:
    """Un-gzip the Debian package's Fashion-MNIST into ``root`` if it is installed; returns the
    idx files still missing."""
    src = fashion_mnist.DEBIAN_SRC
    if not fashion_mnist.debian_files_present(src):
        return [f for f in IDX_FILES if not osp.isfile(osp.join(root, f))]
    print_log(
        f'Fashion-MNIST: first use, un-gzipping {src} into {osp.abspath(root)}',
        'current',
        logging.INFO,
    )
    fashion_mnist.prepare(src, root)
    return []


def check_dataset_files(
    cfg: Config,
    fields: Sequence[str] = ('train_dataloader', 'val_dataloader', 'test_dataloader'),
    prepare: bool = True,
) -> None:
    """Raise ``FileNotFoundError`` with instructions if an (Fashion)MNIST dataset of one of
    the dataloaders ``fields`` of ``cfg`` lacks its idx files, or an mmseg dataset its image /
    annotation folders (the same message for both tasks). With ``prepare``, a FashionMNIST
    root without its files is filled from the Debian package's when that is installed."""
    for field in fields:
        loader = cfg.get(field, None)
        if not loader:
            continue
        for dataset in _iter_datasets(loader.get('dataset', None)):
            dataset_type = str(dataset.get('type', '')).split('.')[-1]
            missing = _missing_seg_files(dataset)
            if missing:
                root = dataset.get('data_root', '') or '.'
                how = SEG_CONVERTERS.get(dataset_type, SEG_HOW_TO_GET)
                how = how.format(type=dataset_type, root=root, field=field)
                raise FileNotFoundError(
                    f'{field}.dataset ({dataset_type}) finds no {", ".join(missing)} in '
                    f'{root!r}. {how}'
                )
            if dataset_type not in HOW_TO_GET:
                continue
            root = _idx_root(dataset)
            missing = [f for f in IDX_FILES if not osp.isfile(osp.join(root, f))]
            if missing and dataset_type == 'FashionMNIST' and prepare:
                missing = _prepare_fashion_mnist(root)
            if missing:
                how = HOW_TO_GET[dataset_type].format(
                    root=osp.abspath(root),
                    files=', '.join(IDX_FILES),
                    src=fashion_mnist.DEBIAN_SRC,
                    tools=_tools_dir(),
                )
                raise FileNotFoundError(
                    f'{field}.dataset ({dataset_type}) finds no {", ".join(missing)} in '
                    f'{root!r}. {how}'
                )
