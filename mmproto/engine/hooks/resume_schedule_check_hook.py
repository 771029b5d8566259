"""Say so when a resumed run's schedule differs from the checkpoint's.

mmengine's ``Runner.resume`` restores every parameter scheduler's state (``begin``, ``end``,
``T_max``...) from the checkpoint, while the train loop stops at the config's
``max_epochs`` / ``max_iters``. Resuming after changing the schedule (e.g.
``--cfg-options train_cfg.max_epochs=50``) therefore keeps the old scheduler end without a
word. This hook keeps mmengine's behaviour (a resume continues the checkpoint's run exactly)
and logs one warning naming the config's and the checkpoint's values.
"""

import logging
from typing import List

from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.registry import HOOKS

from mmproto.models.utils.training_state import check_resumable

SCHEDULE_KEYS = ('begin', 'end')


def _loop_differences(runner, checkpoint: dict) -> List[str]:
    text = checkpoint.get('meta', {}).get('cfg', None)
    if not text:
        return []
    try:
        old = Config.fromstring(text, file_format='.py').get('train_cfg', None) or {}
    except Exception:  # a config that does not parse here: nothing to compare
        return []
    out = []
    for key in ('max_epochs', 'max_iters'):
        new_value = getattr(runner.train_loop, key, None)
        if key in old and new_value is not None and old[key] != new_value:
            out.append(f'train_cfg.{key}: config {new_value}, checkpoint {old[key]}')
    return out


def _scheduler_differences(schedulers, states, name: str = '') -> List[str]:
    out = []
    for i, (scheduler, state) in enumerate(zip(schedulers, states)):
        for key in SCHEDULE_KEYS:
            new_value, old_value = getattr(scheduler, key, None), state.get(key, None)
            if new_value is not None and old_value is not None and new_value != old_value:
                label = f'param_scheduler{name}[{i}] ({type(scheduler).__name__}).{key}'
                out.append(f'{label}: config {new_value}, checkpoint {old_value}')
    return out


def schedule_differences(runner, checkpoint: dict) -> List[str]:
    """``'<field>: config X, checkpoint Y'`` for every schedule value that differs."""
    out = _loop_differences(runner, checkpoint)
    schedulers, states = runner.param_schedulers, checkpoint.get('param_schedulers', None)
    if states is None or schedulers is None:
        return out
    if isinstance(schedulers, dict) and isinstance(states, dict):
        for name, group in schedulers.items():
            if isinstance(group, list):
                out += _scheduler_differences(group, states.get(name, []), f'.{name}')
    elif isinstance(schedulers, list) and isinstance(states, list):
        if all(hasattr(s, 'state_dict') for s in schedulers):  # built (Runner.train)
            out += _scheduler_differences(schedulers, states)
    return out


@HOOKS.register_module()
class ResumeScheduleCheckHook(Hook):
    """On ``resume``, refuse a checkpoint without training state (published, or slimmed by
    ``LatestTrainingStateHook``) and warn (once, on rank 0) if ``max_epochs`` / ``max_iters``
    or a param scheduler's ``begin`` / ``end`` differ between the config and the checkpoint.

    ``tools/train.py`` adds it to every resumed run. The resumed schedulers keep the
    checkpoint's values (mmengine); to train with the config's schedule from a checkpoint's
    weights, use ``load_from`` without ``resume``.
    """

    priority = 'VERY_LOW'

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if not getattr(runner, '_resume', False):
            return  # load_from only: the config's schedule applies in full
        check_resumable(runner, checkpoint)  # a published / slimmed file cannot resume exactly
        diffs = schedule_differences(runner, checkpoint)
        if diffs:
            print_log(
                "resume: the schedule differs from the checkpoint's run: "
                + '; '.join(diffs)
                + ". The train loop stops at the config's max_epochs / max_iters, but the "
                "resumed parameter schedulers keep the checkpoint's begin / end (mmengine "
                "restores their state). To train on the config's schedule from these weights, "
                'use load_from=CHECKPOINT without --resume.',
                logger='current',
                level=logging.WARNING,
            )
