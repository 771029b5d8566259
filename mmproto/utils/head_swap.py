"""``--head dnc|dl2pa|mcc``: turn an mmpretrain classification config into a method's recipe.

Used by ``tools/train.py`` and ``tools/misc/print_config.py``. Each method's recipe is one
config file, ``mmproto::<method>/_base_/head_swap.py`` (found in a checkout and in an
install): its ``model.head`` (with ``_delete_=True`` a fresh head, else merged into the
replaced one), other ``model`` keys (e.g. DNC's ``train_cfg=None``), ``custom_hooks``
(appended unless the config has a hook of that type), DNC's ``memory_batches`` (memory size
in global batches) and MCC's ``soft_targets`` (a ``CrossEntropyLoss`` gets ``use_soft``). The
replaced head gives ``num_classes``, ``in_channels`` (the feature the head receives, i.e. after
any neck, which sets DNC's memory and sub-centroid width and DL2PA's prototype dimension d)
and ``topk``. ``custom_imports`` gets ``mmproto``, so the swapped config, flattened
(``print_config.py --out``), builds in any process (mmpretrain's own tools). Backbone,
neck, data, schedule and runtime are kept; ``--cfg-options`` apply after.
"""

import logging
from copy import deepcopy

from mmengine.config import Config, ConfigDict
from mmengine.logging import print_log

from .package_scope import resolve

RECIPES = {
    'dnc': 'mmproto::dnc/_base_/head_swap.py',
    'dl2pa': 'mmproto::dl2pa/_base_/head_swap.py',
    'mcc': 'mmproto::mcc/_base_/head_swap.py',
}
# heads that classify one pooled feature (N, in_channels): what the swap can replace
SWAPPABLE_HEADS = (
    'LinearClsHead',
    'StackedLinearClsHead',
    'VisionTransformerClsHead',
    'DNCHead',
    'HypersphericalHead',
    'MultiCenterClsHead',
)
ALWAYS_CARRIED = ('num_classes', 'in_channels', 'topk', 'cal_acc')
MERGE_CARRIED = ALWAYS_CARRIED + ('loss', 'init_cfg')  # recipes without _delete_ (MCC)
RECIPE_KEYS = ('model', 'custom_hooks', 'memory_batches', 'soft_targets')


def _base_head(cfg: Config) -> ConfigDict:
    """The head to replace, validated (errors name the config field)."""
    scope = cfg.get('default_scope', None)
    if scope != 'mmpretrain':
        raise ValueError(
            f'--head: default_scope={scope!r}: the head swap works on mmpretrain classification '
            "configs (default_scope='mmpretrain', a model.head with num_classes)"
        )
    model = cfg.get('model', None)
    head = model.get('head', None) if isinstance(model, dict) else None
    if not isinstance(head, dict):
        raise ValueError('--head: the config has no model.head to replace')
    head_type = str(head.get('type', '')).split('.')[-1]
    if head_type not in SWAPPABLE_HEADS:
        raise ValueError(
            f'--head: model.head.type={head.get("type")!r} is not a head of one pooled feature; '
            f'the swap replaces {SWAPPABLE_HEADS}'
        )
    for field in ('num_classes', 'in_channels'):
        value = head.get(field, None)
        if not isinstance(value, int) or value < 1:
            raise ValueError(f'--head: model.head.{field}={value!r} must be a positive int')
    return head


def _global_batch(cfg: Config) -> int:
    base = cfg.get('auto_scale_lr', None) or {}
    if base.get('base_batch_size', None):
        return int(base['base_batch_size'])
    loader = cfg.get('train_dataloader', None) or {}
    if not loader.get('batch_size', None):
        raise ValueError(
            '--head: memory_batches needs auto_scale_lr.base_batch_size or '
            'train_dataloader.batch_size in the config'
        )
    return int(loader['batch_size'])


def load_recipe(name: str) -> Config:
    """The recipe config of method ``name`` (``dnc`` | ``dl2pa`` | ``mcc``)."""
    if name not in RECIPES:
        raise ValueError(f'--head {name!r}: choose one of {sorted(RECIPES)}')
    recipe = Config.fromfile(resolve(RECIPES[name]))
    unknown = sorted(set(recipe.keys()) - set(RECIPE_KEYS))
    if unknown:
        raise ValueError(f'{RECIPES[name]}: unknown recipe keys {unknown} (known {RECIPE_KEYS})')
    return recipe


def swap_head(cfg: Config, name: str) -> Config:
    """Replace ``cfg.model.head`` by method ``name``'s head and add its hooks, in place.

    Returns:
        Config: ``cfg``.

    Raises:
        ValueError: unknown ``name``, a config that is not an mmpretrain classifier, a head
        that is not swappable or lacks an int ``num_classes`` / ``in_channels``.
    """
    old = _base_head(cfg)
    recipe = load_recipe(name)
    model = deepcopy(recipe.get('model', ConfigDict()))
    new = ConfigDict(model.pop('head'))
    fresh = new.pop('_delete_', False)
    carried = ALWAYS_CARRIED if fresh else MERGE_CARRIED
    head = ConfigDict({k: deepcopy(old[k]) for k in carried if k in old})
    head.update(new)
    head.num_classes, head.in_channels = old.num_classes, old.in_channels
    if recipe.get('memory_batches', None):
        head.setdefault('memory_size', int(recipe.memory_batches) * _global_batch(cfg))
    loss = head.get('loss', None)
    if recipe.get('soft_targets', False) and str((loss or {}).get('type', '')).endswith(
        'CrossEntropyLoss'
    ):
        loss['use_soft'] = True
    dropped = sorted(k for k in old if k not in carried and k != 'type' and k[0] != '_')
    cfg.model.head = head
    for key, value in model.items():
        cfg.model[key] = deepcopy(value)

    hooks = list(cfg.get('custom_hooks', None) or [])
    present = {str(h.get('type', '')).split('.')[-1] for h in hooks}
    added = [deepcopy(h) for h in recipe.get('custom_hooks', []) if h['type'] not in present]
    cfg.custom_hooks = hooks + added

    imports = ConfigDict(cfg.get('custom_imports', None) or {})
    names = list(imports.get('imports', []))
    if 'mmproto' not in names:  # a flattened config (print_config --out) builds anywhere
        imports.imports = ['mmproto'] + names
        imports.setdefault('allow_failed_imports', False)
        cfg.custom_imports = imports

    changes = [f'model.head {old.type} -> {head.type}']
    changes += [f'model.{k}={v!r}' for k, v in model.items()]
    if added:
        changes.append('custom_hooks += ' + ', '.join(h['type'] for h in added))
    if dropped:
        changes.append(
            f"{head.type} uses the recipe's / its own defaults for the old head's "
            + ', '.join(dropped)
        )
    print_log(f'--head {name} ({RECIPES[name]}): ' + '; '.join(changes), 'current', logging.INFO)
    return cfg
