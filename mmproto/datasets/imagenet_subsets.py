"""ImageNet-LT (Liu et al. 2019) and ImageNet-200 (HPN / DL2PA) built on mmpretrain's ImageNet."""

from typing import List, Optional, Sequence, Union

import numpy as np
from mmengine import fileio
from mmpretrain.datasets import CustomDataset
from mmpretrain.datasets.categories import IMAGENET_CATEGORIES
from mmpretrain.registry import DATASETS


@DATASETS.register_module()
class ImageNetLT(CustomDataset):
    """ImageNet-LT from its standard annotation files ``ImageNet_LT_{train,val,test}.txt``
    (lines ``train/n01440764/n01440764_10026.JPEG 0``, paths relative to the ImageNet root).

    Args:
        data_root: ImageNet root holding ``train/`` and ``val/``.
        split: ``'train' | 'val' | 'test'``. ann_file: overrides
            ``<data_root>/ImageNet_LT_{split}.txt``.
    """

    METAINFO = {'classes': IMAGENET_CATEGORIES}

    def __init__(self, data_root: str = '', split: str = 'train', ann_file: str = '', **kwargs):
        if split not in ('train', 'val', 'test'):
            raise ValueError(f"ImageNetLT split must be 'train', 'val' or 'test', got {split!r}")
        self.split = split
        ann_file = ann_file or f'ImageNet_LT_{split}.txt'
        super().__init__(data_root=data_root, ann_file=ann_file, **kwargs)


@DATASETS.register_module()
class ImageNet200(CustomDataset):
    """200-class ImageNet subset with a held-out test set (DL2PA supplement §7.1, after HPN).

    Reads a class-per-folder tree (ImageNet ``train/`` layout, images already resized to
    64x64 or resized in the pipeline), keeps the classes of ``classes`` (a list of folder names
    or a text file with one per line; default: every folder found), then draws ``num_test``
    samples with a seeded permutation as the ``'test'`` split; ``'train'`` is the rest.

    Args:
        data_root / data_prefix: as ``CustomDataset``. split: ``'train' | 'test'``.
        classes: folder names (wnids) of the 200 classes, or a file listing them.
        num_test: held-out size (10,000). seed: seed of the held-out draw.
    """

    def __init__(
        self,
        data_root: str = '',
        split: str = 'train',
        classes: Optional[Union[str, Sequence[str]]] = None,
        num_test: int = 10000,
        seed: int = 0,
        data_prefix: Union[str, dict] = '',
        **kwargs,
    ):
        if split not in ('train', 'test'):
            raise ValueError(f"ImageNet200 split must be 'train' or 'test', got {split!r}")
        if num_test < 1:
            raise ValueError(f'ImageNet200 num_test must be >= 1, got {num_test}')
        self.split, self.num_test, self.seed = split, num_test, seed
        if isinstance(classes, str):
            classes = [c.strip() for c in fileio.get_text(classes).splitlines() if c.strip()]
        self.wnids = list(classes) if classes is not None else None
        super().__init__(data_root=data_root, data_prefix=data_prefix, **kwargs)

    def load_data_list(self) -> List[dict]:
        data_list = super().load_data_list()
        folders = list(self.CLASSES)
        if self.wnids is not None:
            missing = sorted(set(self.wnids) - set(folders))
            if missing:
                raise ValueError(
                    f'ImageNet200.classes not found under {self.img_prefix}: {missing[:5]}'
                )
            remap = {folders.index(w): i for i, w in enumerate(self.wnids)}
            data_list = [
                dict(d, gt_label=remap[d['gt_label']]) for d in data_list if d['gt_label'] in remap
            ]
            self._metainfo['classes'] = tuple(self.wnids)
        if self.num_test >= len(data_list):
            raise ValueError(f'ImageNet200.num_test={self.num_test} >= {len(data_list)} samples')
        perm = np.random.default_rng(self.seed).permutation(len(data_list))
        chosen = np.sort(perm[: self.num_test] if self.split == 'test' else perm[self.num_test :])
        return [data_list[i] for i in chosen]
