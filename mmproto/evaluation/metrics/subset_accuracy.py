"""Classifier top-k accuracy on one part of an evaluation set (e.g. training images)."""

from typing import List, Optional, Sequence, Tuple, Union

import torch
from mmengine.evaluator import BaseMetric
from mmpretrain.evaluation import Accuracy
from mmpretrain.registry import METRICS

from .neural_collapse import check_samples, select_samples

__all__ = ['SubsetAccuracy']


@METRICS.register_module()
class SubsetAccuracy(BaseMetric):
    """mmpretrain's top-k :class:`~mmpretrain.evaluation.Accuracy` on the gallery or the
    queries of a :class:`mmproto.datasets.QueryGalleryDataset` only.

    The gallery of an induction evaluation is a subset of the training images (App. E, DNC),
    so its accuracy (``samples='auto'`` or ``'gallery'``) is the training accuracy (~100 % in
    the terminal phase of training), measured in the same validation pass as the induction
    k-NN, without a second loop over the training set.

    Args:
        samples (str): ``'auto'`` (default: the gallery when there is one, else all),
            ``'gallery'``, ``'query'`` or ``'all'``; see :class:`NeuralCollapse`.
        topk (int | tuple[int]): as ``Accuracy``. Defaults to 1.
        collect_device, prefix: see ``BaseMetric`` (prefix defaults to ``'subset'``).
    """

    default_prefix: Optional[str] = 'subset'

    def __init__(
        self,
        samples: str = 'auto',
        topk: Union[int, Sequence[int]] = 1,
        collect_device: str = 'cpu',
        prefix: Optional[str] = None,
    ):
        super().__init__(collect_device=collect_device, prefix=prefix)
        check_samples('SubsetAccuracy', samples)
        self.samples = samples
        self.topk: Tuple[int, ...] = (topk,) if isinstance(topk, int) else tuple(topk)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            if 'gt_label' not in sample:
                raise KeyError('SubsetAccuracy: data sample has no "gt_label"')
            if 'pred_score' in sample:
                pred = torch.as_tensor(sample['pred_score']).detach().float().cpu()
            elif 'pred_label' in sample and max(self.topk) == 1:
                pred = torch.as_tensor(sample['pred_label']).flatten()[:1].cpu()
            else:
                raise KeyError(
                    'SubsetAccuracy: data sample has no "pred_score" (needed for top-k > 1) '
                    'nor "pred_label"'
                )
            self.results.append(
                dict(
                    pred=pred,
                    label=int(torch.as_tensor(sample['gt_label']).flatten()[0]),
                    gallery=bool(sample.get('knn_gallery', False)),
                )
            )

    def compute_metrics(self, results: List[dict]) -> dict:
        chosen = select_samples(results, self.samples, type(self).__name__)
        target = torch.tensor([r['label'] for r in chosen])
        preds = [r['pred'] for r in chosen]
        if preds[0].ndim == 1 and preds[0].numel() > 1:  # scores [C]
            acc = Accuracy.calculate(torch.stack(preds), target, topk=self.topk)
            return {f'top{k}': float(a[0]) for k, a in zip(self.topk, acc)}
        labels = torch.cat([p.long().flatten() for p in preds])
        return {'top1': float((labels == target).float().mean() * 100)}
