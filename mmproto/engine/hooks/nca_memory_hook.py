"""Memory labels and momentum schedule of the DeepNCA baseline (Table 19, DNC)."""

from typing import Dict, Optional

import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from mmproto.engine.subcentroid_images import unwrap


@HOOKS.register_module()
class NCAMemoryHook(Hook):
    """Prepare ``DeepNCAHead``: labels of every memory slot and the memory momentum per epoch.

    Before training, ``memory_labels`` is set from the training set's labels (the official
    DeepNCA knows them from the start, so unvisited slots of the right class already count in
    the loss) and ``num_samples`` is checked against the training-set size. At each epoch the
    memory momentum follows ``milestones`` (official: 0.5, 0.8 from epoch 80, 0.9 from 120).

    Args:
        milestones (dict): ``{epoch: momentum}``; before the first milestone the head's
            configured ``memory_momentum`` is used.
    """

    priority = 'NORMAL'

    def __init__(self, milestones: Optional[Dict[int, float]] = None):
        self.milestones = dict(sorted((int(k), float(v)) for k, v in (milestones or {}).items()))
        self._base: Optional[float] = None

    @staticmethod
    def _head(runner):
        head = getattr(unwrap(runner.model), 'head', None)
        if head is None or not hasattr(head, 'memory_labels'):
            raise TypeError('NCAMemoryHook needs a model whose head is a DeepNCAHead')
        return head

    def before_train(self, runner) -> None:
        head = self._head(runner)
        dataset = runner.train_dataloader.dataset
        if len(dataset) != head.num_samples:
            raise ValueError(
                f'DeepNCAHead.num_samples={head.num_samples} but the training set has '
                f'{len(dataset)} samples'
            )
        labels = torch.as_tensor(dataset.get_gt_labels(), dtype=torch.long).reshape(-1)
        head.memory_labels.copy_(labels.to(head.memory_labels.device))
        self._base = head.memory_momentum if self._base is None else self._base

    def before_train_epoch(self, runner) -> None:
        head = self._head(runner)
        momentum = self._base
        for epoch, value in self.milestones.items():
            if runner.epoch >= epoch:
                momentum = value
        head.memory_momentum = momentum
