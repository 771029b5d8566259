"""Build a config's train / val / test datasets on the stand-ins of the real data.

:func:`check_config_datasets` builds every dataloader's dataset of a config exactly as the
config says (wrappers, splits, options, pipelines), with only the leaf datasets' roots
redirected to :class:`helpers.standins.StandIns`, and checks what the model depends on:
the set is not empty, its labels lie in ``[0, num_classes)`` of the model (classification;
a strided sample of at most ``LABEL_SAMPLES`` of them), and its first sample passes the
config's pipeline (images with as many channels as the data preprocessor normalises;
segmentation masks within the decode head's classes or the ignore index).

Leaf datasets are built once per process (:class:`LeafCache`) and shared by the configs
through shallow copies carrying each config's own pipeline.
"""

import copy
import json
from typing import Any, Dict, List, Optional

import numpy as np
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

from mmproto.utils import config_scope

from .config_harness import _WRAPPED_KEYS, _leaf_datasets, _walk
from .standins import StandIns, standin_checksums, standin_class_mapping

LABEL_SAMPLES = 2000
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def leaf_types(cfg: Config) -> List[str]:
    """Dataset types of the leaves of every dataloader of ``cfg`` (sorted, unique)."""
    types = set()
    for field in LOADERS:
        loader = cfg.get(field, None)
        if not loader:
            continue
        for parent, key, index in _leaf_datasets(dict(dataset=loader['dataset'])):
            leaf = parent[key] if index is None else parent[key][index]
            types.add(str(leaf.get('type')).split('.')[-1])
    return sorted(types)


def _registry(scope: str):
    if scope == 'mmseg':
        from mmseg.registry import DATASETS
    else:
        from mmpretrain.registry import DATASETS
    return DATASETS


def _key(node: Any) -> str:
    return json.dumps(node, sort_keys=True, default=str)


class LeafCache:
    """Leaf datasets built once (without pipeline), handed out as shallow copies."""

    def __init__(self, standins: StandIns):
        self.standins = standins
        self._built: Dict[str, Any] = {}

    def get(self, scope: str, leaf: dict) -> Any:
        leaf = self.standins.leaf(leaf)
        pipeline = leaf.pop('pipeline', None) or []
        key = _key([scope, leaf])
        if key not in self._built:
            with standin_checksums():
                self._built[key] = _registry(scope).build(dict(leaf, pipeline=[]))
        dataset = copy.copy(self._built[key])
        dataset.pipeline = Compose(pipeline)
        return dataset


def _to_plain(node: Any) -> Any:
    if hasattr(node, 'to_dict'):
        return node.to_dict()
    return copy.deepcopy(node)


def build_dataset(cfg: Config, field: str, leaves: LeafCache) -> Any:
    """The dataset of ``cfg[field]`` with its leaves read from the stand-ins."""
    scope = config_scope(cfg)
    root = dict(dataset=_to_plain(cfg[field]['dataset']))
    for node in _walk(root):
        if node.get('class_mapping_file'):
            standin_class_mapping(leaves.standins, node)
    for parent, key, index in list(_leaf_datasets(root)):
        leaf = parent[key] if index is None else parent[key][index]
        built = leaves.get(scope, leaf)
        if index is None:
            parent[key] = built
        else:
            parent[key][index] = built
    dataset = root['dataset']
    if isinstance(dataset, dict):
        if not any(k in dataset for k in _WRAPPED_KEYS):  # cannot happen: leaves replaced
            raise AssertionError(f'{field}: dataset {dataset.get("type")} was not redirected')
        with standin_checksums():
            dataset = _registry(scope).build(dataset)
    return dataset


def _num_classes(cfg: Config) -> Optional[int]:
    model = cfg.get('model', None) or {}
    for key in ('head', 'decode_head'):
        head = model.get(key, None)
        if isinstance(head, dict) and head.get('num_classes', None):
            return int(head['num_classes'])
    return None


def _label_sample(dataset: Any) -> np.ndarray:
    n = len(dataset)
    idx = np.unique(np.linspace(0, n - 1, min(n, LABEL_SAMPLES)).astype(int))
    return np.array([int(dataset.get_cat_ids(int(i))[0]) for i in idx])


def _check_sample(cfg: Config, scope: str, sample: dict, num_classes: Optional[int]) -> List[str]:
    errors = []
    inputs = sample['inputs']
    mean = (cfg.get('data_preprocessor', None) or cfg.model.get('data_preprocessor', {})).get(
        'mean', None
    )
    if mean is not None and inputs.ndim == 3 and inputs.shape[0] != len(mean):
        errors.append(f'first sample has {inputs.shape[0]} channels, preprocessor {len(mean)}')
    data_sample = sample['data_samples']
    if scope == 'mmseg' and num_classes:
        values = data_sample.gt_sem_seg.data.unique()
        ignore = int(cfg.model.decode_head.get('ignore_index', 255))
        bad = [int(v) for v in values if int(v) != ignore and not 0 <= int(v) < num_classes]
        if bad:
            errors.append(f'mask values {bad[:5]} outside [0, {num_classes}) and {ignore}')
    elif num_classes and 'gt_label' in data_sample:
        label = int(data_sample.gt_label[0])
        if not 0 <= label < num_classes:
            errors.append(f'first label {label} outside [0, {num_classes})')
    return errors


def check_config_datasets(cfg: Config, leaves: LeafCache) -> List[str]:
    """Problems (``'<loader>: <what>'``) of ``cfg``'s datasets built on the stand-ins."""
    scope = config_scope(cfg)
    init_default_scope(scope)
    num_classes = _num_classes(cfg)
    errors = []
    for field in LOADERS:
        loader = cfg.get(field, None)
        if not loader:
            continue
        try:
            dataset = build_dataset(cfg, field, leaves)
            if len(dataset) == 0:
                errors.append(f'{field}: empty dataset')
                continue
            if scope != 'mmseg' and num_classes and hasattr(dataset, 'get_cat_ids'):
                labels = _label_sample(dataset)
                if labels.min() < 0 or labels.max() >= num_classes:
                    errors.append(
                        f'{field}: labels {labels.min()}..{labels.max()} outside '
                        f'[0, {num_classes}) (model num_classes)'
                    )
            errors += [f'{field}: {e}' for e in _check_sample(cfg, scope, dataset[0], num_classes)]
        except Exception as e:  # report every config's failure, not only the first
            errors.append(f'{field}: {type(e).__name__}: {e}')
    return errors
