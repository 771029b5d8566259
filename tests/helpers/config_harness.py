"""Build any config under ``configs/`` and train it for two iterations on the CPU.

Used by ``tests/test_configs.py``; works for every mmpretrain (classification) and mmseg
(segmentation) config without knowing it, by shrinking it:

- every leaf dataset (wrappers such as ``ClassBalancedDataset`` or ``LongTailDataset`` are
  kept) becomes a tiny generated one in the task's layout: ``CustomDataset`` over an
  annotation list with two samples per class of the config's ``C`` classes (so class-profile
  wrappers find every class), or ``BaseSegDataset`` over four generated image/mask pairs;
  the config's own pipelines are kept (a ``LoadImageFromFile`` is put in front when the
  original dataset served arrays, e.g. CIFAR / MNIST);
- image sizes are scaled down (pipeline ``scale`` / ``crop_size`` / ``scales``, mmseg
  ``data_preprocessor.size``, slide-inference ``crop_size`` / ``stride``, backbone
  ``img_size``) so that the largest crop is 32 px (classification) or 64 px (segmentation);
- batch size 2 (the last incomplete training batch dropped), ``num_workers=0``; weights
  that would be downloaded or read from a missing file are dropped (``init_cfg`` of type
  ``Pretrained``, ``pretrained``, ``load_from``), no checkpoints are saved;
- a hook argument ``work_dirs/<config>/<file>.pth`` naming another config of the same folder
  (a run that consumes another run's output) gets the checkpoint of that config's own shrunk
  two-iteration run (:meth:`TinyData.checkpoint_of`, made once per session);
- :func:`build_runner_parts` builds the Runner, the train / val loops (datasets, samplers,
  evaluators), the optimizer wrapper and the parameter schedulers, exactly as
  ``Runner.train`` does with the config's schedule, and caps the run at two iterations (at
  most two batches per epoch, training stops at the first epoch / iteration boundary after
  two iterations, validation on two batches after each epoch or at iteration two);
  :func:`train_two_iterations` then runs ``Runner.train``: weight init, two optimizer
  steps with the config's hooks, one capped validation.
"""

import hashlib
import inspect
import json
import os
import os.path as osp
import re
from copy import deepcopy
from typing import Any, Dict, Iterator, List, Optional, Tuple

import torch
from mmengine.config import Config, ConfigDict
from mmengine.hooks import Hook
from mmengine.runner import EpochBasedTrainLoop, Runner

from mmproto.utils import config_scope

from .data import make_cls_folder, make_seg_folder

CLS_SIZE = 32  # largest classification crop after shrinking
SEG_SIZE = 64  # largest segmentation crop after shrinking
BATCH_SIZE = 2
ITERS = 2
SIZE_KEYS = ('scale', 'crop_size', 'scales', 'img_scale', 'size', 'stride', 'img_size')
CROP_KEYS = ('crop_size',)


def find_configs(root: str = 'configs') -> List[str]:
    """Every config file below ``root`` except ``_base_`` folders and ``_``-prefixed files."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith('_'))
        found += [
            osp.join(dirpath, f) for f in filenames if f.endswith('.py') and not f.startswith('_')
        ]
    return sorted(found)


# ---------------------------------------------------------------- tiny data on disk


class TinyData:
    """Generated datasets shared by all configs of a session, written below ``root``."""

    def __init__(self, root: str):
        self.root = root
        self._cls_images: Optional[List[str]] = None
        self._seg_root: Optional[str] = None
        self._checkpoints: Dict[str, str] = {}

    def checkpoint_of(self, config_path: str) -> str:
        """A checkpoint of ``config_path`` after its shrunk 2-iteration run (made once)."""
        config_path = osp.abspath(config_path)
        if config_path not in self._checkpoints:
            name = osp.splitext(osp.basename(config_path))[0]
            work_dir = osp.join(self.root, 'artifacts', name)
            cfg = shrink_config(Config.fromfile(config_path), self, work_dir)
            runner, _ = build_runner_parts(cfg)
            try:
                train_two_iterations(runner)
                runner.save_checkpoint(work_dir, 'harness.pth', save_optimizer=False)
            finally:
                close_runner(runner)
            self._checkpoints[config_path] = osp.join(work_dir, 'harness.pth')
        return self._checkpoints[config_path]

    def cls_ann_file(self, num_classes: int) -> Tuple[str, str]:
        """``(data_root, ann_file)``: two samples for each of ``num_classes`` classes."""
        folder = osp.join(self.root, 'cls')
        if self._cls_images is None:
            make_cls_folder(folder, num_classes=2, per_class=4, size=CLS_SIZE)
            self._cls_images = [
                osp.join(f'class_{c}', f'img_{i}.png') for c in (0, 1) for i in range(4)
            ]
        ann_file = osp.join(self.root, f'cls_ann_{num_classes}.txt')
        if not osp.exists(ann_file):
            lines = [
                f'{self._cls_images[(2 * c + i) % len(self._cls_images)]} {c}'
                for c in range(num_classes)
                for i in range(2)
            ]
            with open(ann_file, 'w') as f:
                f.write('\n'.join(lines) + '\n')
        return folder, ann_file

    def seg_root(self) -> str:
        if self._seg_root is None:
            self._seg_root = make_seg_folder(
                osp.join(self.root, 'seg'), num_classes=4, num_images=4, size=SEG_SIZE
            )
        return self._seg_root


# ---------------------------------------------------------------- config surgery


def _walk(node: Any) -> Iterator[dict]:
    """Every dict inside ``node`` (depth first, including ``node``)."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _walk(value)


def _scale_value(value: Any, factor: float) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return max(1, round(value * factor)) if value > 1 else value
    if isinstance(value, (list, tuple)):
        return type(value)(_scale_value(v, factor) for v in value)
    return value


def _max_int(value: Any) -> int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, (list, tuple)):
        return max([_max_int(v) for v in value] or [0])
    return 0


def _unavailable(init: Any) -> bool:
    """An ``init_cfg`` that would download weights or read a file that is not there."""
    if not (isinstance(init, dict) and init.get('type') == 'Pretrained'):
        return False
    checkpoint = str(init.get('checkpoint', ''))
    return '://' in checkpoint or not osp.isfile(checkpoint)


def _drop_pretrained(model: dict) -> None:
    """Remove weights that would be downloaded or read from a missing file at build / init."""
    for node in _walk(model):
        if isinstance(node.get('pretrained', None), str):
            node['pretrained'] = None
        init_cfg = node.get('init_cfg', None)
        if _unavailable(init_cfg):
            node['init_cfg'] = None
        elif isinstance(init_cfg, (list, tuple)):
            node['init_cfg'] = [c for c in init_cfg if not _unavailable(c)] or None


def _resolve_run_artifacts(hooks: Any, config_dir: str, data: 'TinyData') -> None:
    """Point hook arguments ``work_dirs/<config>/<file>.pth`` (the output of another config
    of this folder, e.g. a trained model whose class weights become prototypes) at the
    checkpoint of that config's own shrunk 2-iteration run."""
    for node in _walk(hooks):
        for key, value in list(node.items()):
            match = re.match(r'^(?:\./)?work_dirs/([^/]+)/[^/]+\.pth$', str(value))
            source = match and osp.join(config_dir, match.group(1) + '.py')
            if source and osp.isfile(source):
                node[key] = data.checkpoint_of(source)


def _shrink_prototype_hooks(cfg: Config, work_dir: str) -> None:
    """``PrototypePrecomputeHook``: a few optimisation steps, cache in ``work_dir`` and, for
    ``method='word2vec'``, a generated class-embedding file (the user supplies the real one)."""
    for hook in cfg.get('custom_hooks', None) or []:
        if not isinstance(hook, dict) or hook.get('type') != 'PrototypePrecomputeHook':
            continue
        hook['iters'], hook['hpn_iters'] = 2, 2
        hook['cache_dir'] = osp.join(work_dir, 'prototypes')
        if hook.get('method') == 'word2vec':
            num_classes = int(cfg.model.head.num_classes)
            path = osp.join(work_dir, 'class_embeddings.txt')
            rows = torch.randn(num_classes, 300, generator=torch.Generator().manual_seed(0))
            with open(path, 'w') as f:
                f.write('\n'.join(' '.join(f'{v:.6f}' for v in row) for row in rows.tolist()))
            hook['embedding_file'] = path


# keys under which dataset wrappers hold their datasets (QueryGalleryDataset: query, gallery)
_WRAPPED_KEYS = ('dataset', 'datasets', 'query', 'gallery')


def _generate_class_mappings(cfg: Config, root: dict, work_dir: str) -> None:
    """``CoarseLabelDataset(class_mapping_file=...)`` (ImageNet-127: a user-supplied file):
    write a generated ``<fine index> <coarse index>`` mapping for the tiny data."""
    for node in _walk(root):
        if node.get('type') != 'CoarseLabelDataset' or not node.get('class_mapping_file'):
            continue
        num_fine = _num_classes(cfg, node.get('dataset', None) or {})
        num_coarse = int(cfg.model.head.num_classes)
        path = osp.join(work_dir, f'class_mapping_{num_fine}_{num_coarse}.txt')
        with open(path, 'w') as f:
            f.write('\n'.join(f'{i} {i % num_coarse}' for i in range(num_fine)) + '\n')
        node['class_mapping_file'] = path


def _leaf_datasets(dataset: Any) -> Iterator[Tuple[dict, str, Any]]:
    """``(parent, key, leaf)`` for every non-wrapper dataset config inside ``dataset``."""
    for node in _walk(dataset):
        for key in _WRAPPED_KEYS:
            child = node.get(key, None)
            children = child if isinstance(child, (list, tuple)) else [child]
            for i, sub in enumerate(children):
                if isinstance(sub, dict) and not any(k in sub for k in _WRAPPED_KEYS):
                    yield node, key, (i if isinstance(child, (list, tuple)) else None)


def _dataset_class(scope: str, type_name: Any):
    if not isinstance(type_name, str):
        return type_name
    if scope == 'mmseg':
        from mmseg.registry import DATASETS
    else:
        from mmpretrain.registry import DATASETS
    return DATASETS.get(type_name)


def _default_arg(cls: Any, name: str, fallback: Any = False) -> Any:
    """Default of ``cls.__init__``'s argument ``name`` (e.g. ADE20K's reduce_zero_label)."""
    try:
        default = inspect.signature(cls.__init__).parameters[name].default
    except (KeyError, TypeError, ValueError):
        return fallback
    return fallback if default is inspect.Parameter.empty else default


def _num_classes(cfg: Config, leaf: dict) -> int:
    """``C`` of a classification config: dataset classes, else head / preprocessor."""
    classes = (leaf.get('metainfo', None) or {}).get('classes', None)
    if classes:
        return len(classes)
    dataset_cls = _dataset_class('mmpretrain', leaf.get('type'))
    classes = (getattr(dataset_cls, 'METAINFO', None) or {}).get('classes', None)
    if classes:
        return len(classes)
    for node in (cfg.model.get('head', None), cfg.get('data_preprocessor', None)):
        if isinstance(node, dict) and node.get('num_classes', None):
            return int(node['num_classes'])
    return 2


def _with_image_loading(cfg: Config, pipeline: list) -> list:
    """``pipeline`` starting with ``LoadImageFromFile`` (the tiny data are image files; e.g.
    (Fashion-)MNIST pipelines start from in-memory arrays)."""
    pipeline = deepcopy(list(pipeline))
    if not any('LoadImage' in str(t.get('type', '')) for t in pipeline):
        grey = len((cfg.get('data_preprocessor', None) or {}).get('mean', [0, 0, 0])) == 1
        load = dict(type='LoadImageFromFile')
        if grey:
            load['color_type'] = 'grayscale'
        pipeline.insert(0, load)
    return pipeline


def _tiny_cls_leaf(cfg: Config, leaf: dict, data: TinyData) -> dict:
    num_classes = _num_classes(cfg, leaf)
    data_root, ann_file = data.cls_ann_file(num_classes)
    pipeline = _with_image_loading(cfg, leaf.get('pipeline', None) or [])
    return dict(
        type='mmpretrain.CustomDataset',
        data_root=data_root,
        ann_file=ann_file,
        with_label=True,
        metainfo=dict(classes=tuple(f'c{i}' for i in range(num_classes))),
        pipeline=pipeline,
    )


def _tiny_seg_leaf(leaf: dict, data: TinyData) -> dict:
    dataset_cls = _dataset_class('mmseg', leaf.get('type'))
    metainfo = leaf.get('metainfo', None) or deepcopy(getattr(dataset_cls, 'METAINFO', None))
    tiny = dict(
        type='mmseg.BaseSegDataset',
        data_root=data.seg_root(),
        data_prefix=dict(img_path='img_dir', seg_map_path='ann_dir'),
        img_suffix='.jpg',
        seg_map_suffix='.png',
        reduce_zero_label=leaf.get(
            'reduce_zero_label', _default_arg(dataset_cls, 'reduce_zero_label')
        ),
        pipeline=deepcopy(list(leaf.get('pipeline', []))),
    )
    if metainfo:
        tiny['metainfo'] = dict(metainfo)
    return tiny


def _shrink_factor(cfg: Config, target: int) -> float:
    """``target / largest training crop`` (1 if already small)."""
    pipeline_nodes = list(_walk(cfg.get('train_dataloader', {})))
    crops = [_max_int(n[k]) for n in pipeline_nodes for k in CROP_KEYS if k in n]
    crops += [
        _max_int(n.get('scale', 0)) for n in pipeline_nodes if 'Crop' in str(n.get('type', ''))
    ]
    if not any(crops):  # no crop: the resize scales decide
        crops = [_max_int(n.get('scale', 0)) for n in pipeline_nodes]
    base = max(crops + [_max_int((cfg.get('data_preprocessor', None) or {}).get('size', 0))])
    return min(1.0, target / base) if base > 0 else 1.0


def _min_input_size(cfg: Config, scope: str) -> int:
    """Smallest input a backbone accepts: mmpretrain's Swin needs every stage (stride 32 at
    the end) to be at least one window unless it pads small maps."""
    backbone = cfg.model.get('backbone', None) or {}
    if scope != 'mmpretrain' or not isinstance(backbone.get('type', None), str):
        return 0
    from mmpretrain.registry import MODELS

    backbone_cls = MODELS.get(backbone['type'])

    def arg(name: str, fallback: Any) -> Any:
        return backbone.get(name, _default_arg(backbone_cls, name, fallback))

    window = _max_int(arg('window_size', 0))
    if window and not arg('pad_small_map', False):
        return 32 * window
    return 0


def _scale_sizes(node: Any, factor: float) -> None:
    for sub in _walk(node):
        for key in SIZE_KEYS:
            if key in sub and key != 'size_divisor':
                sub[key] = _scale_value(sub[key], factor)


def shrink_config(cfg: Config, data: TinyData, work_dir: str) -> Config:
    """Return a copy of ``cfg`` that trains in seconds on the CPU (see the module doc)."""
    scope = config_scope(cfg)
    cfg = deepcopy(cfg)
    # the Runner dumps and logs the config three times; yapf would take seconds each time
    object.__setattr__(cfg, '_format_python_code', False)
    cfg.work_dir = work_dir
    cfg.launcher = 'none'
    cfg.load_from = None
    cfg.resume = False
    cfg.log_level = 'WARNING'
    cfg.randomness = dict(seed=0, deterministic=False)
    cfg.experiment_name = 'harness_' + hashlib.sha1(work_dir.encode()).hexdigest()[:12]
    if cfg.get('auto_scale_lr', None):
        cfg.auto_scale_lr.enable = False
    if cfg.filename:
        _resolve_run_artifacts(cfg.get('custom_hooks', None), osp.dirname(cfg.filename), data)
    _shrink_prototype_hooks(cfg, work_dir)
    _drop_pretrained(cfg.model)

    target = max(SEG_SIZE if scope == 'mmseg' else CLS_SIZE, _min_input_size(cfg, scope))
    factor = _shrink_factor(cfg, target)
    for field in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(field, None)
        if not loader:
            continue
        loader = ConfigDict(deepcopy(loader.to_dict() if hasattr(loader, 'to_dict') else loader))
        loader.batch_size = BATCH_SIZE
        loader.num_workers = 0
        if field == 'train_dataloader' and 'batch_sampler' not in loader:
            loader.drop_last = True  # a last batch of one sample breaks BatchNorm1d
        for key in ('persistent_workers', 'prefetch_factor', 'pin_memory'):
            loader.pop(key, None)
        root = dict(dataset=loader.dataset)
        _generate_class_mappings(cfg, root, work_dir)
        wrapped = False
        for parent, key, index in list(_leaf_datasets(root)):
            leaf = parent[key] if index is None else parent[key][index]
            if scope == 'mmseg':
                tiny = _tiny_seg_leaf(leaf, data)
            else:
                tiny = _tiny_cls_leaf(cfg, leaf, data)
                if not leaf.get('pipeline', None):
                    # wrappers apply the pipeline to their leaf's data infos
                    tiny['pipeline'] = []
                    wrapped = True
            if index is None:
                parent[key] = tiny
            else:
                parent[key][index] = tiny
        if wrapped:
            for node in _walk(root['dataset']):
                if node.get('pipeline', None):
                    node['pipeline'] = _with_image_loading(cfg, node['pipeline'])
        loader.dataset = root['dataset']
        if factor < 1:
            _scale_sizes(loader.dataset, factor)
        cfg[field] = loader
    if factor < 1:
        for key in ('data_preprocessor', 'tta_pipeline'):
            if cfg.get(key, None):
                _scale_sizes(cfg[key], factor)
        _scale_sizes(cfg.model.get('data_preprocessor', None), factor)
        _scale_sizes(cfg.model.get('test_cfg', None), factor)
        backbone = cfg.model.get('backbone', None) or {}
        if 'img_size' in backbone:
            backbone['img_size'] = _scale_value(backbone['img_size'], factor)

    hooks = cfg.get('default_hooks', None) or ConfigDict()
    hooks['checkpoint'] = None
    if hooks.get('logger', None):
        hooks.logger.interval = 1
    cfg.default_hooks = hooks
    if cfg.get('visualizer', None):
        cfg.visualizer.pop('name', None)  # one visualizer per Runner, not a shared instance
    return cfg


def run_signature(cfg: Config) -> str:
    """What makes two shrunk configs take different code paths in training: the model, data
    preprocessor, train pipelines (of every leaf dataset) and custom hooks, with every number
    reduced to its sign (depth 50 / 101, C = 10 / 1000, K = 4 / 10, mu = 0.99 / 0.999 run the
    same code; 0 and negative values often switch a feature off and stay distinct)."""
    pipelines = []
    loader = cfg.get('train_dataloader', None) or {}
    for parent, key, index in _leaf_datasets(dict(dataset=loader.get('dataset', None))):
        leaf = parent[key] if index is None else parent[key][index]
        pipelines.append(leaf.get('pipeline', None))
    parts = dict(
        model=cfg.get('model', None),
        data_preprocessor=cfg.get('data_preprocessor', None),
        pipelines=pipelines,
        custom_hooks=cfg.get('custom_hooks', None),
    )
    text = json.dumps(_structure(parts), sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()


def _structure(node: Any) -> Any:
    """Plain containers, strings and booleans kept, numbers reduced to -1 / 0 / 1."""
    if isinstance(node, dict):
        return {str(k): _structure(v) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return [_structure(v) for v in node]
    if isinstance(node, (int, float)) and not isinstance(node, bool):
        return (node > 0) - (node < 0)
    return node


# ---------------------------------------------------------------- build and run


class _FirstBatches:
    """A dataloader view that stops after ``n`` batches (attributes pass through)."""

    def __init__(self, loader, n: int):
        self._loader, self._n = loader, n

    def __iter__(self):
        for i, batch in enumerate(self._loader):
            if i >= self._n:
                break
            yield batch

    def __len__(self) -> int:
        return min(self._n, len(self._loader))

    def __getattr__(self, name: str):
        return getattr(self._loader, name)


class _StopAfter(Hook):
    """Ends training at the first iteration / epoch boundary after ``n`` iterations."""

    def __init__(self, n: int):
        self.n = n

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        # runner.iter counts this iteration only after the after_train_iter hooks
        if not isinstance(runner.train_loop, EpochBasedTrainLoop) and runner.iter + 1 >= self.n:
            runner.train_loop.stop_training = True

    def after_train_epoch(self, runner) -> None:
        if runner.iter >= self.n:
            runner.train_loop.stop_training = True


def build_runner_parts(cfg: Config) -> Tuple[Any, Dict[str, int]]:
    """Build the Runner of a shrunk config with everything ``Runner.train`` builds before
    running (train / val loops with datasets, evaluators, optimizer wrapper, schedulers).

    Returns:
        ``(runner, info)``; ``info`` holds the number of training batches of one epoch of
        the (wrapped) tiny dataset and the iterations the capped run will do.
    """
    runner = Runner.from_cfg(cfg)
    # build in Runner.train's order, with the config's schedule (schedulers read its length)
    loop = runner.build_train_loop(runner._train_loop)
    runner._train_loop = loop
    runner.optim_wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
    if runner.param_schedulers is not None:
        runner.param_schedulers = runner.build_param_scheduler(runner.param_schedulers)
    if runner._val_loop is not None:
        runner._val_loop = runner.build_val_loop(runner._val_loop)
        runner._val_loop.dataloader = _FirstBatches(runner._val_loop.dataloader, ITERS)

    # then cap the run at ITERS iterations, keeping the config's schedule (max_epochs /
    # max_iters, which hooks and schedulers read): at most ITERS batches per epoch, validation
    # after every epoch (iteration-based: at iteration ITERS), stop once ITERS are done
    batches = len(loop.dataloader)
    if batches == 0:
        raise RuntimeError('the tiny training set of this config yields no batch')
    if isinstance(loop, EpochBasedTrainLoop):
        loop.dataloader = _FirstBatches(loop.dataloader, ITERS)
        interval = 1
        iters = min(ITERS, loop.max_epochs * len(loop.dataloader))
    else:
        interval = ITERS
        iters = min(ITERS, loop.max_iters)
    loop.val_begin = 1
    loop.val_interval = interval
    loop.dynamic_milestones, loop.dynamic_intervals = [0], [interval]
    runner.register_hook(_StopAfter(ITERS), priority='LOWEST')
    return runner, dict(batches_per_epoch=batches, iters=iters)


def train_two_iterations(runner) -> int:
    """``Runner.train`` on the parts :func:`build_runner_parts` built; returns the number
    of iterations run."""
    runner.train()
    return runner.iter


def forward_one_batch(runner) -> float:
    """One forward in ``'loss'`` mode (a training forward: batch augments included, graph
    built, no backward or update) of the built model on the first training batch; returns
    the total loss. A config that
    shares another's run signature is not trained, but every number its shapes depend on
    (``in_channels``, ``num_classes``, ``K``, ``d``...) still meets real tensors here."""
    model = runner.model
    model.train()
    for module in model.modules():  # no step follows: nothing to update (hooks are in the
        if hasattr(module, 'attach_subcentroid_updater'):  # signature, checked by its run)
            module.attach_subcentroid_updater()
    batch = next(iter(runner.train_loop.dataloader))
    with torch.enable_grad():  # heads cache their training state only in a training forward
        data = model.data_preprocessor(batch, True)
        losses = model(**data, mode='loss')
    _, log_vars = model.parse_losses(losses)
    return float(log_vars['loss'])


def close_runner(runner) -> None:
    """Release the log file handles a Runner keeps open."""
    for handler in list(runner.logger.handlers):
        if hasattr(handler, 'baseFilename'):
            handler.close()
            runner.logger.removeHandler(handler)
