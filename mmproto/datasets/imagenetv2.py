"""ImageNetV2 test sets (Recht et al., 2019), evaluated in Table 16 of DNC (App. G)."""

import os.path as osp
from typing import List

from mmengine.fileio import get_file_backend, list_dir_or_file
from mmpretrain.datasets import BaseDataset
from mmpretrain.datasets.categories import IMAGENET_CATEGORIES
from mmpretrain.registry import DATASETS

__all__ = ['ImageNetV2']

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp')


@DATASETS.register_module()
class ImageNetV2(BaseDataset):
    """An ImageNetV2 test set ("MatchedFrequency", "Threshold0.7" or "TopImages").

    The released archives hold one folder per class named by the ImageNet class INDEX
    (``0`` ... ``999``, 10 images each), so folders must not be sorted as strings (``10`` before
    ``2``) the way ``CustomDataset`` would: here the folder name is the label.

    Args:
        data_root (str): e.g. ``data/imagenetv2/imagenetv2-matched-frequency-format-val``.
        **kwargs: see ``BaseDataset`` (``pipeline``, ``indices``, ...).
    """

    METAINFO = {'classes': IMAGENET_CATEGORIES}

    def __init__(self, data_root: str, test_mode: bool = True, **kwargs):
        kwargs.setdefault('ann_file', '')
        super().__init__(data_root=data_root, test_mode=test_mode, **kwargs)

    def load_data_list(self) -> List[dict]:
        root = self.data_root
        if not osp.isdir(root) and get_file_backend(root).name == 'LocalBackend':
            raise FileNotFoundError(f'ImageNetV2: data_root "{root}" is not a directory')
        num_classes = len(self.metainfo['classes'])
        data_list = []
        folders = [d for d in list_dir_or_file(root, list_file=False) if d.isdigit()]
        if not folders:
            raise ValueError(f'ImageNetV2: no class folders "0".."{num_classes - 1}" in "{root}"')
        for folder in sorted(folders, key=int):
            label = int(folder)
            if label >= num_classes:
                raise ValueError(
                    f'ImageNetV2: folder "{folder}" is not a class index < {num_classes}'
                )
            files = list_dir_or_file(
                osp.join(root, folder), list_dir=False, suffix=IMG_EXTENSIONS, recursive=False
            )
            for name in sorted(files):
                data_list.append(dict(img_path=osp.join(root, folder, name), gt_label=label))
        return data_list
