"""Catch misspelt config keys before the Runner silently ignores them.

mmengine's ``Runner.from_cfg`` reads a fixed set of top-level keys and ignores every other
one, so ``trian_cfg = dict(max_epochs=1)`` trains the full schedule. Configs also hold helper
variables nothing reads (``train_pipeline``, ``dataset_type``, ...), so a key is reported only
when it is unknown *and* close to a key that is read (:data:`READ_KEYS`). A head argument
(``model.head.num_subcentroid``) that the head class does not take is refused with the close
matches, before the registry's bare ``unexpected keyword argument``.
"""

import difflib
import inspect
import logging
from typing import List, Optional

from mmengine.config import Config
from mmengine.logging import print_log

# what Runner.from_cfg, mmengine's Config, mmproto's tools and the mmseg / mmpretrain
# runners read at the top level of a config
READ_KEYS = (
    'model', 'work_dir', 'train_dataloader', 'val_dataloader', 'test_dataloader',
    'train_cfg', 'val_cfg', 'test_cfg', 'auto_scale_lr', 'optim_wrapper', 'param_scheduler',
    'val_evaluator', 'test_evaluator', 'default_hooks', 'custom_hooks', 'data_preprocessor',
    'load_from', 'resume', 'launcher', 'env_cfg', 'log_processor', 'log_level', 'visualizer',
    'default_scope', 'randomness', 'experiment_name', 'runner_type', 'custom_imports',
    'trust_checkpoint', 'tta_model',
)  # fmt: skip
# read too, but too close to helper variables (train_pipeline, test_pipeline) to suggest
ALSO_READ = ('tta_pipeline',)
CUTOFF = 0.8  # difflib ratio: 'trian_cfg' ~ 'train_cfg' 0.89, 'train_pipeline' ~ 'train_cfg' 0.52
HEAD_FIELDS = ('head', 'decode_head', 'auxiliary_head')


def close_matches(key: str, known, n: int = 3) -> List[str]:
    return difflib.get_close_matches(key, list(known), n=n, cutoff=CUTOFF)


def misspelt_top_level_keys(cfg: Config) -> List[str]:
    """One message per top-level key of ``cfg`` that nothing reads but resembles one that is."""
    messages = []
    for key in cfg.keys():
        if key in READ_KEYS or key in ALSO_READ or key.startswith('_'):
            continue
        matches = close_matches(key, READ_KEYS)
        if matches:
            messages.append(
                f'config key {key!r} is read by nothing (it has no effect); did you mean '
                f'{matches[0]!r}?'
            )
    return messages


def init_arguments(cls) -> Optional[set]:
    """The keyword arguments ``cls(...)`` accepts, following ``**kwargs`` up the MRO; None if
    they cannot be known (a ``**kwargs`` that reaches no parent taking it)."""
    names: set = set()
    for klass in cls.__mro__:
        # arguments a class passes on through ``**kwargs`` to a part it builds (e.g. DNC heads
        # to :class:`SubCentroidBank`), declared as ``forwarded_arguments``
        names.update(klass.__dict__.get('forwarded_arguments', ()))
        init = klass.__dict__.get('__init__', None)
        if init is None:
            continue
        try:
            params = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):
            return None
        names.update(p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            return names - {'self'}
        if klass.__module__.startswith('torch.'):
            return None
    return None


def check_head_arguments(cfg: Config, registry) -> None:
    """Raise ``TypeError`` naming ``model.<head>.<key>`` and the close matches for a head
    argument its class does not take (mmproto heads and any class whose arguments are known)."""
    model = cfg.get('model', None)
    if not isinstance(model, dict):
        return
    for field in HEAD_FIELDS:
        head = model.get(field, None)
        if not isinstance(head, dict) or not isinstance(head.get('type', None), str):
            continue
        name = head['type']
        scope = cfg.get('default_scope', None)
        cls = registry.get(name if '.' in name or not scope else f'{scope}.{name}')
        accepted = init_arguments(cls) if cls is not None else None
        if accepted is None:
            continue
        for key in head:
            if key == 'type' or key.startswith('_') or key in accepted:
                continue
            matches = close_matches(key, accepted)
            hint = f'; did you mean {matches[0]!r}?' if matches else ''
            raise TypeError(
                f'model.{field}.{key}: {cls.__name__} takes no argument {key!r}{hint} '
                f'(it takes {sorted(accepted)})'
            )


def check_config_keys(cfg: Config, registry=None) -> List[str]:
    """Warn on misspelt top-level keys (logged, returned) and refuse misspelt head arguments
    (``registry``: mmengine's root ``MODELS``; the head type is looked up in the
    config's ``default_scope``)."""
    messages = misspelt_top_level_keys(cfg)
    for message in messages:
        print_log(message, 'current', logging.WARNING)
    if registry is not None:
        check_head_arguments(cfg, registry)
    return messages
