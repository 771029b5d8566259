"""Do DNC's sub-centroids capture sub-classes? Usage and fine-label purity of the winners."""

from typing import List, Optional, Sequence

import torch
from mmengine.evaluator import BaseMetric
from mmpretrain.registry import METRICS

from mmproto.ops.subcentroid_usage import subcentroid_usage

from .neural_collapse import check_samples, select_samples

__all__ = ['SubCentroidUsage']


@METRICS.register_module()
class SubCentroidUsage(BaseMetric):
    """How the samples of each class spread over its K sub-centroids (DNC §3, App. E).

    The winner of a sample is its own class's nearest sub-centroid (Eq. 4). Reports
    ``<prefix>/eff_k`` (effective number of sub-centroids in use, ``exp`` of the entropy of
    their shares, 1..K), ``max_share`` (share of the most used one) and, when samples carry
    ``fine_label``, ``fine_purity`` (each winner labelled with its most common fine class) next
    to ``fine_majority`` (the purity of a single sub-centroid per class). Needs
    ``subcentroid_sims`` in the predictions (:class:`mmproto.models.classifiers.
    EmbeddingClassifier` with a DNC head).

    Args:
        samples (str): ``'auto'`` (gallery if any, else all), ``'gallery'``, ``'query'``,
            ``'all'``; see :class:`NeuralCollapse`.
        collect_device, prefix: see ``BaseMetric`` (prefix defaults to ``'subcentroid'``).
    """

    default_prefix: Optional[str] = 'subcentroid'

    def __init__(self, samples: str = 'auto', collect_device: str = 'cpu', prefix=None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        check_samples('SubCentroidUsage', samples)
        self.samples = samples

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            sims = sample.get('subcentroid_sims')
            if sims is None:
                raise KeyError(
                    'SubCentroidUsage: data sample has no "subcentroid_sims"; use '
                    "model=dict(type='EmbeddingClassifier', ...) with a DNC head"
                )
            fine = sample.get('fine_label')
            self.results.append(
                dict(
                    sims=torch.as_tensor(sims).detach().float().cpu(),
                    label=int(torch.as_tensor(sample['gt_label']).flatten()[0]),
                    fine_label=None if fine is None else int(torch.as_tensor(fine).flatten()[0]),
                    gallery=bool(sample.get('knn_gallery', False)),
                )
            )

    def compute_metrics(self, results: List[dict]) -> dict:
        chosen = select_samples(results, self.samples, type(self).__name__)
        fines = [r['fine_label'] for r in chosen]
        return subcentroid_usage(
            torch.stack([r['sims'] for r in chosen]),
            torch.tensor([r['label'] for r in chosen]),
            torch.tensor(fines) if all(f is not None for f in fines) else None,
        )
