"""Runs the sub-centroid update of DNC (Alg. 1) after every training iteration."""

from typing import List, Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS
from torch import nn

from mmproto.models.utils import PostStepUpdateMixin


def find_subcentroid_modules(model: nn.Module) -> List[PostStepUpdateMixin]:
    """Every module with :class:`PostStepUpdateMixin` in the unwrapped ``model``."""
    if is_model_wrapper(model):
        model = model.module
    return [m for m in model.modules() if isinstance(m, PostStepUpdateMixin)]


@HOOKS.register_module()
class SubCentroidUpdateHook(Hook):
    """Memory push + class-wise clustering + momentum update (Eq. 5-8, Alg. 1, DNC).

    After each training iteration (the optimizer has stepped; the embeddings cached by the
    forward are those the loss used) every module with :class:`PostStepUpdateMixin`
    (``DNCHead``'s classifier, DNC decode heads...) pushes its batch into its memory; every
    ``interval`` iterations it also clusters and moves its sub-centroids. A few statistics
    go to the message hub (``train/<name>``) and thus to the log. Works for mmpretrain and
    mmseg models, on one device or under DDP. The hook holds no state: everything lives in
    the modules' buffers and is checkpointed with the model.

    Use in a config: ``custom_hooks = [dict(type='SubCentroidUpdateHook')]``.

    Args:
        interval: iterations between two clustering + update steps (paper: 1).
        log_stats: put the update statistics in the message hub.
    """

    priority = 'NORMAL'

    def __init__(self, interval: int = 1, log_stats: bool = True):
        if interval < 1:
            raise ValueError(f'SubCentroidUpdateHook interval must be >= 1, got {interval}')
        self.interval, self.log_stats = interval, log_stats
        self._modules: Optional[List[PostStepUpdateMixin]] = None

    def before_train(self, runner) -> None:
        self._modules = find_subcentroid_modules(runner.model)
        if not self._modules:
            runner.logger.warning(
                'SubCentroidUpdateHook: the model has no module with sub-centroids to update'
            )
        for m in self._modules:
            m.attach_subcentroid_updater()

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if self._modules is None:
            self.before_train(runner)
        cluster = self.every_n_train_iters(runner, self.interval)
        for i, m in enumerate(self._modules):
            stats = m.update_subcentroids(cluster=cluster)
            if self.log_stats:
                suffix = f'_{i}' if len(self._modules) > 1 else ''
                for key, value in stats.items():
                    runner.message_hub.update_scalar(f'train/{key}{suffix}', value)
