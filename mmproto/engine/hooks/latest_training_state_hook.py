"""Keep the training-only state (e.g. the 2 GB DNC feature memory) in the latest checkpoint
only, so that a run's checkpoints take about the disk of its parametric baseline's."""

import os
import os.path as osp
from typing import Optional

import torch
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS

from mmproto.models.utils.training_state import (
    check_resumable,
    drop_training_state,
    training_only_keys,
)
from mmproto.utils import load_local_checkpoint


def slim_checkpoint(path: str, keys) -> int:
    """Rewrite the checkpoint file ``path`` without the state-dict ``keys`` (atomically);
    returns the number of keys removed."""
    checkpoint = load_local_checkpoint(path, map_location='cpu')
    dropped = drop_training_state(checkpoint, keys)
    if dropped:
        tmp = path + '.slim.tmp'
        torch.save(checkpoint, tmp)
        os.replace(tmp, path)
    return len(dropped)


@HOOKS.register_module()
class LatestTrainingStateHook(Hook):
    """After each checkpoint ``CheckpointHook`` saves, rewrite the previous one without the
    model's training-only buffers (:mod:`mmproto.models.utils.training_state`: the DNC feature
    memory, ...). The latest checkpoint stays complete, so resuming from it is exact; an older
    one keeps weights, optimizer and schedulers (evaluation, fine-tuning) and refuses an exact
    resume with a clear error. A DNC ImageNet run of 100 epochs then needs ~1.2x the checkpoint
    disk of its linear baseline instead of ~11x (``tools/benchmarks/dnc_checkpoint_disk.py``).

    Runs after ``CheckpointHook`` (priority ``LOWEST``), on the main process, local files only.
    """

    priority = 'LOWEST'

    def __init__(self):
        self._previous: Optional[str] = None

    def _slim_previous(self, runner) -> None:
        latest = runner.message_hub.get_info('last_ckpt', None)
        if latest is None or latest == self._previous:
            return
        previous, self._previous = self._previous, latest
        if previous is None or not is_main_process() or not osp.isfile(previous):
            return  # first save of this process, another rank, or removed (max_keep_ckpts)
        if osp.dirname(osp.abspath(previous)) != osp.dirname(osp.abspath(latest)):
            return  # resumed from another run's folder: its files are not ours to change
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        n = slim_checkpoint(previous, training_only_keys(model))
        if n:
            print_log(f'{previous}: dropped {n} training-only buffers', logger='current')

    def before_train(self, runner) -> None:
        # a resumed run: its resume checkpoint is the previous one of the next save
        self._previous = runner.message_hub.get_info('last_ckpt', None)

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        self._slim_previous(runner)

    def after_train_epoch(self, runner) -> None:
        self._slim_previous(runner)

    def after_train(self, runner) -> None:
        self._slim_previous(runner)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        check_resumable(runner, checkpoint)
