"""SVHN and STL-10 in their distributed file formats (used long-tailed in DL2PA Table 6)."""

import os.path as osp
from typing import List, Optional

import numpy as np
from mmpretrain.datasets.base_dataset import BaseDataset
from mmpretrain.registry import DATASETS


class _ArrayDataset(BaseDataset):
    """Images held in memory as ``img`` arrays (like mmpretrain's ``CIFAR10``)."""

    def __init__(self, data_root: str, split: str = 'train', metainfo: Optional[dict] = None, **kw):
        if split not in self.SPLITS:
            raise ValueError(
                f'{type(self).__name__} split must be one of {self.SPLITS}, got {split!r}'
            )
        if not data_root:
            raise ValueError(f'{type(self).__name__} needs data_root')
        self.split = split
        super().__init__(ann_file='', metainfo=metainfo, data_root=data_root, **kw)

    def _path(self, name: str) -> str:
        path = osp.join(self.data_root, name)
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'{type(self).__name__}: {path} not found; download the dataset and place its '
                f'files under data_root={self.data_root!r}'
            )
        return path

    def _pack(self, imgs: np.ndarray, labels: np.ndarray) -> List[dict]:
        return [dict(img=img, gt_label=int(y)) for img, y in zip(imgs, labels)]


@DATASETS.register_module()
class SVHN(_ArrayDataset):
    """SVHN cropped digits: ``{train,test,extra}_32x32.mat`` (``X`` HxWx3xN, ``y`` 1..10 with
    10 meaning digit 0, mapped to label 0)."""

    SPLITS = ('train', 'test', 'extra')
    METAINFO = {'classes': tuple(str(i) for i in range(10))}

    def load_data_list(self) -> List[dict]:
        from scipy.io import loadmat

        mat = loadmat(self._path(f'{self.split}_32x32.mat'))
        imgs = np.ascontiguousarray(mat['X'].transpose(3, 0, 1, 2))
        return self._pack(imgs, mat['y'].reshape(-1).astype(np.int64) % 10)


@DATASETS.register_module()
class STL10(_ArrayDataset):
    """STL-10 binaries ``stl10_binary/{train,test}_{X,y}.bin`` (96x96, column-major, labels
    1..10 mapped to 0..9). DL2PA's official STL-10-LT trains ResNet-32 at the native 96x96."""

    SPLITS = ('train', 'test')
    METAINFO = {
        'classes': (
            'airplane', 'bird', 'car', 'cat', 'deer', 'dog', 'horse', 'monkey', 'ship', 'truck',
        )
    }  # fmt: skip

    def load_data_list(self) -> List[dict]:
        x = np.fromfile(self._path(f'stl10_binary/{self.split}_X.bin'), dtype=np.uint8)
        y = np.fromfile(self._path(f'stl10_binary/{self.split}_y.bin'), dtype=np.uint8)
        imgs = x.reshape(-1, 3, 96, 96).transpose(0, 3, 2, 1)  # column-major -> HWC
        if imgs.shape[0] != y.size:
            raise ValueError(f'STL10 {self.split}: {imgs.shape[0]} images but {y.size} labels')
        return self._pack(np.ascontiguousarray(imgs), y.astype(np.int64) - 1)
