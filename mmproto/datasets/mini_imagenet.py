"""Mini-ImageNet as a 100-class classification dataset (MCC Table 3)."""

import csv
import os.path as osp
from collections import OrderedDict
from typing import List, Optional, Sequence

from mmengine.fileio import get_local_path
from mmpretrain.datasets import BaseDataset
from mmpretrain.registry import DATASETS

SPLITS = ('train', 'test')


@DATASETS.register_module()
class MiniImageNet(BaseDataset):
    """Mini-ImageNet (Vinyals et al. 2016; split files of Ravi & Larochelle 2017) for 100-way
    classification.

    The standard split files ``train.csv`` / ``val.csv`` / ``test.csv`` (header
    ``filename,label``; 64 / 16 / 20 disjoint classes, 600 images each) are concatenated into one
    100-class set; classes are the sorted wnids. Within each class the first
    ``num_train_per_class`` images (file order) form ``split='train'`` and the rest
    ``split='test'`` (500 / 100 by default: 50,000 / 10,000 images).

    Layout::

        data_root/
          images/n0153282900000005.jpg ...
          train.csv  val.csv  test.csv

    Args:
        data_root (str): dataset root.
        split (str): ``'train'`` or ``'test'``.
        csv_files (Sequence[str]): split files, relative to ``data_root``.
        num_train_per_class (int): images per class in the train split.
        data_prefix (str): image folder, relative to ``data_root``. Defaults to ``'images'``.
        **kwargs: as mmpretrain ``BaseDataset`` (``pipeline``, ``test_mode``, ...).
    """

    def __init__(
        self,
        data_root: str,
        split: str = 'train',
        csv_files: Sequence[str] = ('train.csv', 'val.csv', 'test.csv'),
        num_train_per_class: int = 500,
        data_prefix: str = 'images',
        metainfo: Optional[dict] = None,
        **kwargs,
    ):
        if split not in SPLITS:
            raise ValueError(f'MiniImageNet split must be one of {SPLITS}, got {split!r}')
        if num_train_per_class < 1:
            raise ValueError(f'num_train_per_class must be >= 1, got {num_train_per_class}')
        self.split = split
        self.csv_files = tuple(csv_files)
        self.num_train_per_class = num_train_per_class
        kwargs.setdefault('test_mode', split == 'test')
        super().__init__(
            ann_file='',
            metainfo=metainfo,
            data_root=data_root,
            data_prefix=data_prefix,
            **kwargs,
        )

    def _read_split_files(self) -> 'OrderedDict[str, List[str]]':
        per_class: OrderedDict[str, List[str]] = OrderedDict()
        for name in self.csv_files:
            path = osp.join(self.data_root, name)
            if not osp.isfile(path):
                raise FileNotFoundError(f'MiniImageNet split file {name!r} not found in data_root')
            with get_local_path(path) as local, open(local, newline='') as f:
                reader = csv.reader(f)
                header = next(reader, None)
                if header is None or [h.strip() for h in header[:2]] != ['filename', 'label']:
                    raise ValueError(f'{name}: expected the header "filename,label", got {header}')
                for row in reader:
                    if row:
                        per_class.setdefault(row[1].strip(), []).append(row[0].strip())
        return per_class

    def load_data_list(self) -> List[dict]:
        per_class = self._read_split_files()
        classes = sorted(per_class)
        if self._metainfo.get('classes') is None:
            self._metainfo['classes'] = tuple(classes)
        elif list(self._metainfo['classes']) != classes:
            raise ValueError('metainfo classes do not match the wnids found in the split files')
        data_list = []
        for label, wnid in enumerate(classes):
            files = per_class[wnid]
            if len(files) <= self.num_train_per_class:
                raise ValueError(
                    f'class {wnid} has {len(files)} images, not more than '
                    f'num_train_per_class={self.num_train_per_class}: its test split is empty'
                )
            chosen = (
                files[: self.num_train_per_class]
                if self.split == 'train'
                else files[self.num_train_per_class :]
            )
            for fname in chosen:
                data_list.append(dict(img_path=osp.join(self.img_prefix, fname), gt_label=label))
        return data_list

    def extra_repr(self) -> List[str]:
        return [f'Split: \t{self.split}', f'Train images per class: \t{self.num_train_per_class}']
