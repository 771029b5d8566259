"""Epoch-end (or every τ iterations) Hungarian re-assignment of labels to prototypes."""

import time
from typing import Optional

import torch
from mmengine import dist
from mmengine.hooks import Hook
from mmengine.registry import HOOKS
from mmengine.runner import IterBasedTrainLoop

from mmproto.models.heads.hyperspherical_head import HypersphericalHead
from mmproto.ops.assignment import SOLVERS, assignment_scores, label_to_prototype_assignment

from .utils import get_head


@HOOKS.register_module()
class LabelPrototypeAssignmentHook(Hook):
    """Update ``A`` by Eq. 9 (DL2PA, Alg. 1): ``A* = argmax_A sum_c cos(z̄_c, w_A(c))``.

    Schedule: ``updates_per_epoch`` (the paper's ``τ'``, default 1 = at the end of every
    epoch, before validation and before the checkpoint is written); ``τ' > 1`` updates every
    ``⌊iters_per_epoch / τ'⌋`` iterations, ``τ' < 1`` every ``round(1/τ')`` epochs. ``interval``
    (iterations) overrides it for iteration-based loops.

    Every rank solves the same problem: the class means are all-reduced at every step, so the
    inputs are bitwise identical and no rank waits for another; rank 0's result is then
    broadcast, which guarantees identical assignments even if a solver broke ties differently.
    Logs ``train/assignment_changed`` (classes moved by the updates since the previous
    validation, Fig. 4b: at the end of an epoch it equals the val line's count),
    ``train/assignment_cos`` (mean ``cos(z̄_c, w_A(c))`` before the last update: near 1 once the
    features fit ``A``) and the solve time; after each validation, ``val/assignment_changed``
    and ``val/assignment_cos`` land beside the accuracy in ``vis_data/scalars.json`` (step =
    epoch). The text log gets one line per update when there are at most
    :data:`MAX_LINES` updates per epoch (per validation interval of an iteration-based loop),
    else one summary line per epoch (total moves, the most in one update, solve time). ``A`` lives
    in the head's ``assignment`` buffer (saved in checkpoints); the hook only keeps these log
    counters.

    Args:
        updates_per_epoch: ``τ'``. interval: iterations between updates (overrides ``τ'``).
        solver: exact solver, ``'sparse'`` (default: top-k candidates + the previous
            assignment, certified optimal by LP duality, else scipy's dense solve) |
            ``'scipy'`` | ``'lapjv'`` | ``'lap'``.
    """

    priority = 'NORMAL'
    MAX_LINES = 3  # update lines per epoch before the log switches to one summary line

    def __init__(
        self,
        updates_per_epoch: float = 1.0,
        interval: Optional[int] = None,
        solver: str = 'sparse',
    ):
        if updates_per_epoch <= 0:
            raise ValueError(f"updates_per_epoch (tau') must be > 0, got {updates_per_epoch}")
        if interval is not None and interval < 1:
            raise ValueError(f'interval must be >= 1 iteration, got {interval}')
        if solver not in SOLVERS:
            raise ValueError(f'solver must be one of {sorted(SOLVERS)}, got {solver!r}')
        self.updates_per_epoch, self.interval, self.solver = updates_per_epoch, interval, solver
        self._changed_since_val, self._last_cos = 0, None
        self._period = dict(updates=0, changed=0, most=0, seconds=0.0)

    def before_train(self, runner) -> None:
        if self.interval is None and isinstance(runner.train_loop, IterBasedTrainLoop):
            raise ValueError(
                'LabelPrototypeAssignmentHook: the train loop is iteration-based '
                '(IterBasedTrainLoop never ends an epoch), so updates_per_epoch would never '
                'update the assignment; set interval=<iterations between updates> '
                '(e.g. --cfg-options custom_hooks.<i>.interval=1000)'
            )
        head = get_head(runner, HypersphericalHead, 'LabelPrototypeAssignmentHook')
        if not head.dynamic_assignment:
            raise ValueError(
                'LabelPrototypeAssignmentHook needs HypersphericalHead(dynamic_assignment=True)'
            )
        head.assignment_hook_attached = True

    def _iters_per_update(self, runner) -> Optional[int]:
        if self.interval is not None:
            return self.interval
        if self.updates_per_epoch <= 1:
            return None
        return max(1, len(runner.train_dataloader) // int(self.updates_per_epoch))

    def _log_period(self, runner) -> int:
        """Iterations between summary lines: an epoch, or an iteration loop's val interval."""
        if isinstance(runner.train_loop, IterBasedTrainLoop):
            return max(1, int(getattr(runner.train_loop, 'val_interval', 1000)))
        return max(1, len(runner.train_dataloader))

    def _line_per_update(self, runner) -> bool:
        every = self._iters_per_update(runner)
        return every is None or self._log_period(runner) // every <= self.MAX_LINES

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        every = self._iters_per_update(runner)
        if every is None:
            return
        if self.interval is not None:
            if (runner.iter + 1) % every == 0:
                self.update(runner)
        elif (batch_idx + 1) % every == 0 and (batch_idx + 1) // every <= self.updates_per_epoch:
            self.update(runner)
        if isinstance(runner.train_loop, IterBasedTrainLoop):
            if (runner.iter + 1) % self._log_period(runner) == 0:
                self._log_summary(runner)

    def after_train_epoch(self, runner) -> None:
        if self.interval is None and self.updates_per_epoch <= 1:
            period = max(1, round(1 / self.updates_per_epoch))
            if (runner.epoch + 1) % period == 0:
                self.update(runner)
        self._log_summary(runner)

    def _log_summary(self, runner) -> None:
        """One line for the updates since the last summary, if they were not logged singly."""
        p = self._period
        if p['updates'] and not self._line_per_update(runner):
            head = get_head(runner, HypersphericalHead, 'LabelPrototypeAssignmentHook')
            runner.logger.info(
                f'LabelPrototypeAssignmentHook: {p["updates"]} updates moved {p["changed"]} '
                f'labels in all, at most {p["most"]}/{head.num_classes} classes changed '
                f'prototype in one update (mean cos of class means to their prototypes '
                f'{self._last_cos:.3f}; solver {self.solver}, {p["seconds"]:.3f} s in all)'
            )
        self._period = dict(updates=0, changed=0, most=0, seconds=0.0)

    @torch.no_grad()
    def update(self, runner) -> int:
        """Solve Eq. 9 and install the result; returns how many classes changed prototype."""
        head = get_head(runner, HypersphericalHead, 'LabelPrototypeAssignmentHook')
        old = head.assignment.clone()
        means = head.class_means.means.clone()
        unseen = ~head.class_means.initialized
        # a class never seen keeps its prototype: its mean is its current prototype
        means[unseen] = head.assigned_prototypes[unseen]
        fit = float(assignment_scores(means, head.assigned_prototypes).diagonal().mean())
        start = time.perf_counter()
        new = label_to_prototype_assignment(means, head.prototypes, self.solver, init=old)
        seconds = time.perf_counter() - start
        dist.broadcast(new, src=0)
        head.set_assignment(new)
        changed = int((new != old).sum())
        self._changed_since_val += changed
        self._last_cos = fit
        p = self._period
        p['updates'], p['changed'] = p['updates'] + 1, p['changed'] + changed
        p['most'], p['seconds'] = max(p['most'], changed), p['seconds'] + seconds
        runner.message_hub.update_scalar('train/assignment_changed', self._changed_since_val)
        runner.message_hub.update_scalar('train/assignment_cos', fit)
        runner.message_hub.update_scalar('train/assignment_seconds', seconds)
        if self._line_per_update(runner):
            runner.logger.info(
                f'LabelPrototypeAssignmentHook: {changed}/{head.num_classes} classes changed '
                f'prototype (mean cos of class means to their prototypes {fit:.3f}; solver '
                f'{self.solver}, {seconds:.3f} s)'
            )
        return changed

    def after_val_epoch(self, runner, metrics=None) -> None:
        """Publish the epoch's counts beside the validation metrics (runs before LoggerHook)."""
        if self._last_cos is None:  # no update yet (e.g. validation before training)
            return
        runner.message_hub.update_scalar('val/assignment_changed', self._changed_since_val)
        runner.message_hub.update_scalar('val/assignment_cos', self._last_cos)
        self._changed_since_val = 0
