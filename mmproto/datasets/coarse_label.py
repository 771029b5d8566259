"""Coarse-label views of fine-grained datasets, for sub-category discovery (App. E, DNC).

A model is trained on coarse labels (CIFAR-20 = CIFAR-100's 20 super-classes, ImageNet-127 = a
WordNet grouping of the 1000 classes, or a 3-group Fashion-MNIST demo) and its feature space is
then probed with the fine labels (see :class:`mmproto.evaluation.metrics.InductionAccuracy`). Every
sample of a :class:`CoarseLabelDataset` keeps both labels: ``gt_label`` (the level chosen by
``label_level``), ``fine_label`` and ``coarse_label``; add
``PackInputs(algorithm_keys=['fine_label'])`` to the pipeline to hand the fine label to metrics.
"""

import os.path as osp
import re
from typing import Dict, List, Optional, Sequence, Tuple, Union

from mmengine.fileio import get_text
from mmpretrain.datasets import BaseDataset
from mmpretrain.registry import DATASETS

__all__ = ['COARSE_PRESETS', 'CoarseLabelDataset', 'load_class_mapping_file']

# CIFAR-100: fine label (alphabetical fine-class order of the dataset) -> super-class.
CIFAR100_FINE_TO_COARSE = (
    4, 1, 14, 8, 0, 6, 7, 7, 18, 3, 3, 14, 9, 18, 7, 11, 3, 9, 7, 11,
    6, 11, 5, 10, 7, 6, 13, 15, 3, 15, 0, 11, 1, 10, 12, 14, 16, 9, 11, 5,
    5, 19, 8, 8, 15, 13, 14, 17, 18, 10, 16, 4, 17, 4, 2, 0, 17, 4, 18, 17,
    10, 3, 2, 12, 12, 16, 12, 1, 9, 19, 2, 10, 0, 1, 16, 12, 9, 13, 15, 13,
    16, 19, 2, 4, 6, 19, 5, 5, 8, 19, 18, 1, 2, 15, 6, 0, 17, 8, 14, 13,
)  # fmt: skip
CIFAR100_COARSE_CLASSES = (
    'aquatic_mammals', 'fish', 'flowers', 'food_containers', 'fruit_and_vegetables',
    'household_electrical_devices', 'household_furniture', 'insects', 'large_carnivores',
    'large_man-made_outdoor_things', 'large_natural_outdoor_scenes',
    'large_omnivores_and_herbivores', 'medium_mammals', 'non-insect_invertebrates', 'people',
    'reptiles', 'small_mammals', 'trees', 'vehicles_1', 'vehicles_2',
)  # fmt: skip
# Fashion-MNIST (T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag,
# Ankle boot) -> tops {T-shirt/top, Pullover, Coat, Shirt}, shoes {Sandal, Sneaker, Ankle boot},
# others {Trouser, Dress, Bag}: a CPU-sized stand-in for CIFAR-20 -> CIFAR-100.
FASHION_MNIST_FINE_TO_COARSE = (0, 2, 0, 2, 0, 1, 0, 1, 2, 1)
FASHION_MNIST_COARSE_CLASSES = ('tops', 'shoes', 'others')

COARSE_PRESETS: Dict[str, Tuple[Tuple[int, ...], Tuple[str, ...]]] = {
    'cifar100': (CIFAR100_FINE_TO_COARSE, CIFAR100_COARSE_CLASSES),
    'fashion-mnist': (FASHION_MNIST_FINE_TO_COARSE, FASHION_MNIST_COARSE_CLASSES),
}

_WNID = re.compile(r'^n\d{8}$')


def load_class_mapping_file(
    path: str, fine_classes: Sequence[str], fine_wnids: Optional[Sequence[str]] = None
) -> Tuple[List[int], Optional[List[str]]]:
    """Read a fine -> coarse class mapping file (e.g. ImageNet-127).

    One line per fine class: ``<fine> <coarse index> [coarse name ...]``; blank lines and lines
    starting with ``#`` are ignored. ``<fine>`` is the fine class index, its name in
    ``fine_classes`` (no spaces) or its WordNet id (``n01440764``; needs ``fine_wnids``).

    Returns:
        tuple: ``fine_to_coarse`` (one coarse index per fine class) and the coarse class names
        (``None`` when the file names none).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'CoarseLabelDataset: class_mapping_file "{path}" does not exist (ImageNet-127 needs '
            'a user-supplied file: one line "<fine index|class name|wnid> <coarse index> '
            '[coarse name]" per fine class)'
        )
    by_name = {name: i for i, name in enumerate(fine_classes)}
    by_wnid = {w: i for i, w in enumerate(fine_wnids or [])}
    mapping: Dict[int, int] = {}
    names: Dict[int, str] = {}
    for lineno, line in enumerate(get_text(path).splitlines(), 1):
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        parts = line.split()
        where = f'class_mapping_file "{path}" line {lineno}'
        if len(parts) < 2 or not parts[1].lstrip('-').isdigit():
            raise ValueError(f'{where}: expected "<fine> <coarse index> [name]", got "{line}"')
        key, coarse = parts[0], int(parts[1])
        if key.isdigit():
            fine = int(key)
        elif key in by_name:
            fine = by_name[key]
        elif _WNID.match(key) and key in by_wnid:
            fine = by_wnid[key]
        else:
            raise ValueError(f'{where}: unknown fine class "{key}"')
        if not 0 <= fine < len(fine_classes):
            raise ValueError(f'{where}: fine index {fine} outside [0, {len(fine_classes)})')
        if coarse < 0:
            raise ValueError(f'{where}: coarse index must be >= 0, got {coarse}')
        if fine in mapping and mapping[fine] != coarse:
            raise ValueError(f'{where}: fine class {key} mapped twice')
        mapping[fine] = coarse
        if len(parts) > 2:
            names.setdefault(coarse, ' '.join(parts[2:]))
    missing = [i for i in range(len(fine_classes)) if i not in mapping]
    if missing:
        raise ValueError(
            f'class_mapping_file "{path}" maps no coarse class for {len(missing)} fine classes '
            f'(first: {missing[:5]})'
        )
    fine_to_coarse = [mapping[i] for i in range(len(fine_classes))]
    num_coarse = max(fine_to_coarse) + 1
    coarse_names = [names.get(c, f'coarse_{c}') for c in range(num_coarse)] if names else None
    return fine_to_coarse, coarse_names


@DATASETS.register_module()
class CoarseLabelDataset(BaseDataset):
    """A dataset relabelled with coarse classes; fine labels kept (App. E, DNC).

    Args:
        dataset (dict | BaseDataset): the fine-labelled dataset (e.g. ``CIFAR100``, ``ImageNet``,
            ``FashionMNIST``, ``CustomDataset``); its own pipeline is ignored.
        fine_to_coarse (str | Sequence[int], optional): a preset (``'cifar100'`` = CIFAR-20,
            ``'fashion-mnist'``) or one coarse index per fine class.
        class_mapping_file (str, optional): a mapping file instead (ImageNet-127), see
            :func:`load_class_mapping_file`. Exactly one of the two must be given.
        coarse_classes (Sequence[str], optional): names of the coarse classes (default: the
            preset's / the file's names, else ``coarse_<i>``).
        label_level (str): ``'coarse'`` (train on coarse labels) or ``'fine'``: which label is
            ``gt_label``.
        pipeline, indices, serialize_data, lazy_init, test_mode: see ``BaseDataset``.
    """

    def __init__(
        self,
        dataset: Union[dict, BaseDataset],
        fine_to_coarse: Union[str, Sequence[int], None] = None,
        class_mapping_file: Optional[str] = None,
        coarse_classes: Optional[Sequence[str]] = None,
        label_level: str = 'coarse',
        pipeline: Sequence = (),
        **kwargs,
    ):
        if (fine_to_coarse is None) == (class_mapping_file is None):
            raise ValueError(
                'CoarseLabelDataset: give exactly one of fine_to_coarse (a preset name '
                f'{sorted(COARSE_PRESETS)} or a list) and class_mapping_file'
            )
        if isinstance(fine_to_coarse, str) and fine_to_coarse not in COARSE_PRESETS:
            raise ValueError(
                f'CoarseLabelDataset: unknown fine_to_coarse preset "{fine_to_coarse}", '
                f'choose from {sorted(COARSE_PRESETS)} or give a list'
            )
        if label_level not in ('coarse', 'fine'):
            raise ValueError(f"label_level must be 'coarse' or 'fine', got {label_level!r}")
        if class_mapping_file is not None and not osp.isfile(class_mapping_file):
            load_class_mapping_file(class_mapping_file, [])  # raises the FileNotFoundError
        self._dataset_cfg = dataset
        self._fine_to_coarse_cfg = fine_to_coarse
        self.class_mapping_file = class_mapping_file
        self._coarse_classes_cfg = None if coarse_classes is None else list(coarse_classes)
        self.label_level = label_level
        kwargs.setdefault('ann_file', '')
        super().__init__(pipeline=pipeline, **kwargs)

    def _build_fine_dataset(self) -> BaseDataset:
        if not isinstance(self._dataset_cfg, dict):
            return self._dataset_cfg
        cfg = dict(self._dataset_cfg)
        cfg.update(pipeline=[], serialize_data=False, lazy_init=False)
        return DATASETS.build(cfg)

    def _resolve_mapping(
        self, fine: BaseDataset, fine_labels: List[int]
    ) -> Tuple[List[int], List[str]]:
        fine_classes = fine.metainfo.get('classes')
        if fine_classes is None:
            fine_classes = [str(i) for i in range(max(fine_labels) + 1)]
        names: Optional[List[str]] = None
        if self.class_mapping_file is not None:
            wnids = self._wnids(fine, fine_labels, len(fine_classes))
            mapping, names = load_class_mapping_file(self.class_mapping_file, fine_classes, wnids)
        elif isinstance(self._fine_to_coarse_cfg, str):
            mapping, preset_names = COARSE_PRESETS[self._fine_to_coarse_cfg]
            mapping, names = list(mapping), list(preset_names)
        else:
            mapping = [int(c) for c in self._fine_to_coarse_cfg]
        if len(mapping) != len(fine_classes):
            raise ValueError(
                f'CoarseLabelDataset: fine_to_coarse has {len(mapping)} entries but the dataset '
                f'has {len(fine_classes)} fine classes'
            )
        if min(mapping) < 0:
            raise ValueError('CoarseLabelDataset: fine_to_coarse entries must be >= 0')
        num_coarse = max(mapping) + 1
        if self._coarse_classes_cfg is not None:
            names = self._coarse_classes_cfg
        if names is None:
            names = [f'coarse_{c}' for c in range(num_coarse)]
        if len(names) < num_coarse:
            raise ValueError(
                f'CoarseLabelDataset: coarse_classes has {len(names)} names but fine_to_coarse '
                f'uses {num_coarse} coarse classes'
            )
        self.fine_classes = list(fine_classes)
        return mapping, list(names)

    @staticmethod
    def _wnids(fine: BaseDataset, labels: List[int], num_classes: int) -> Optional[List[str]]:
        """WordNet ids from ``.../<wnid>/<file>`` image paths (ImageNet layout), if present."""
        wnids: List[Optional[str]] = [None] * num_classes
        for i, label in enumerate(labels):
            if 0 <= label < num_classes and wnids[label] is None:
                path = fine.get_data_info(i).get('img_path', '') or ''
                folder = osp.basename(osp.dirname(path))
                if _WNID.match(folder):
                    wnids[label] = folder
        return None if any(w is None for w in wnids) else wnids  # type: ignore[return-value]

    def load_data_list(self) -> List[dict]:
        fine = self._build_fine_dataset()
        infos = [fine.get_data_info(i) for i in range(len(fine))]
        fine_labels = [int(info['gt_label']) for info in infos]
        mapping, coarse_names = self._resolve_mapping(fine, fine_labels)
        if self._metainfo.get('classes') is None:
            classes = coarse_names if self.label_level == 'coarse' else self.fine_classes
            self._metainfo['classes'] = tuple(classes)
        self._metainfo['fine_classes'] = tuple(self.fine_classes)
        self._metainfo['coarse_classes'] = tuple(coarse_names)
        self._metainfo['fine_to_coarse'] = tuple(mapping)
        data_list = []
        for info in infos:
            info.pop('sample_idx', None)
            fine_label = int(info['gt_label'])
            if not 0 <= fine_label < len(mapping):
                raise ValueError(
                    f'CoarseLabelDataset: fine label {fine_label} outside the '
                    f'{len(mapping)} fine classes'
                )
            coarse_label = mapping[fine_label]
            info['fine_label'] = fine_label
            info['coarse_label'] = coarse_label
            info['gt_label'] = coarse_label if self.label_level == 'coarse' else fine_label
            data_list.append(info)
        return data_list
