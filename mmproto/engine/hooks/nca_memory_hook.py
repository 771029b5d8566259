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
    the loss); ``num_samples`` must be at least the training-set size (slots beyond it keep
    label -1 and are ignored by the loss and the k-NN vote). At each epoch the
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
        if len(dataset) > head.num_samples:
            raise ValueError(
                f'DeepNCAHead.num_samples={head.num_samples} but the training set has '
                f'{len(dataset)} samples (one memory slot per training sample)'
            )
        if len(dataset) < head.num_samples:
            runner.logger.warning(
                f'DeepNCAHead.num_samples={head.num_samples} > {len(dataset)} training samples: '
                'the extra memory slots stay unused'
            )
        labels = torch.full_like(head.memory_labels, -1)
        labels[: len(dataset)] = torch.as_tensor(dataset.get_gt_labels()).reshape(-1).long()
        head.memory_labels.copy_(labels)
        self._base = head.memory_momentum if self._base is None else self._base

    def before_train_epoch(self, runner) -> None:
        head = self._head(runner)
        momentum = self._base
        for epoch, value in self.milestones.items():
            if runner.epoch >= epoch:
                momentum = value
        head.memory_momentum = momentum
