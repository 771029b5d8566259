"""Within-class collapse of the evaluated features (NC1) on fine and coarse labels."""

from typing import List, Optional, Sequence

import torch
import torch.nn.functional as F
from mmengine.evaluator import BaseMetric
from mmpretrain.registry import METRICS

from mmproto.ops.neural_collapse import neural_collapse_stats

__all__ = ['NeuralCollapse', 'select_samples']

SAMPLE_SETS = ('auto', 'gallery', 'query', 'all')


def check_samples(metric: str, samples: str) -> str:
    """``samples`` if it names one of :data:`SAMPLE_SETS`, else a ValueError naming ``metric``."""
    if samples not in SAMPLE_SETS:
        raise ValueError(f'{metric}: samples must be one of {SAMPLE_SETS}, got {samples!r}')
    return samples


def select_samples(results: List[dict], samples: str, who: str) -> List[dict]:
    """The results of the gallery (``knn_gallery``), the queries or all; ``'auto'``: the
    gallery when there is one, else all."""
    mode = samples
    if mode == 'auto':
        mode = 'gallery' if any(r['gallery'] for r in results) else 'all'
    if mode == 'all':
        return results
    chosen = [r for r in results if r['gallery'] == (mode == 'gallery')]
    if not chosen:
        raise ValueError(f'{who}: samples={samples!r} selects no sample')
    return chosen


@METRICS.register_module()
class NeuralCollapse(BaseMetric):
    """Within- / between-class variability of the final features (NC1, Papyan et al. 2020).

    DNC's sub-category-discovery claim (App. E, Tables 13-14, DNC) rests on a linear head
    collapsing the features of a class (and so its sub-classes) while DNC's sub-centroids keep
    sub-classes apart. This metric measures that collapse in the space the induction k-NN uses:
    each data sample's ``embedding`` (:class:`mmproto.models.classifiers.EmbeddingClassifier`).

    Reported, for the training labels (``gt_label``, e.g. the coarse groups) as ``<prefix>/
    train_label_*`` and, when samples carry ``fine_label`` (:class:`mmproto.datasets.
    CoarseLabelDataset` + ``PackInputs(algorithm_keys=['fine_label'])``), as ``<prefix>/fine_*``:

    * ``nc1 = tr(Sigma_W Sigma_B^+) / C`` and ``tr_ratio = tr Sigma_W / tr Sigma_B``
      (:func:`mmproto.ops.neural_collapse_stats`);
    * with both labels, ``subclass_share = 1 - tr Sigma_W^fine / tr Sigma_W^coarse``: the part of
      the within-coarse-class variance that separates its fine classes (fine classes nest in
      coarse ones, so this is ``tr Sigma_{B, fine within coarse} / tr Sigma_W^coarse``). It falls
      towards 0 when the sub-classes of a class merge.

    Args:
        samples (str): which samples: ``'gallery'`` (flagged ``knn_gallery``, the training images
            of a :class:`mmproto.datasets.QueryGalleryDataset`), ``'query'`` (the others),
            ``'all'``, or ``'auto'`` (default: the gallery when there is one, else all).
            Neural collapse is a property of the training set, hence the default.
        normalize (bool): l2-normalise the embeddings first (the cosine geometry of the
            induction k-NN). Defaults to True.
        collect_device, prefix: see ``BaseMetric`` (prefix defaults to ``'nc'``).
    """

    default_prefix: Optional[str] = 'nc'

    def __init__(
        self,
        samples: str = 'auto',
        normalize: bool = True,
        collect_device: str = 'cpu',
        prefix: Optional[str] = None,
    ):
        super().__init__(collect_device=collect_device, prefix=prefix)
        check_samples('NeuralCollapse', samples)
        self.samples, self.normalize = samples, normalize

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            embedding = sample.get('embedding')
            if embedding is None:
                raise KeyError(
                    'NeuralCollapse: data sample has no "embedding"; use '
                    "model=dict(type='EmbeddingClassifier', ...) so predictions carry features"
                )
            if 'gt_label' not in sample:
                raise KeyError('NeuralCollapse: data sample has no "gt_label"')
            fine = sample.get('fine_label')
            self.results.append(
                dict(
                    embedding=torch.as_tensor(embedding).detach().float().cpu().flatten(),
                    label=int(torch.as_tensor(sample['gt_label']).flatten()[0]),
                    fine_label=None if fine is None else int(torch.as_tensor(fine).flatten()[0]),
                    gallery=bool(sample.get('knn_gallery', False)),
                )
            )

    def compute_metrics(self, results: List[dict]) -> dict:
        chosen = select_samples(results, self.samples, type(self).__name__)
        h = torch.stack([r['embedding'] for r in chosen])
        if self.normalize:
            h = F.normalize(h, dim=1)
        labels = torch.tensor([r['label'] for r in chosen])
        train = neural_collapse_stats(h, labels)
        metrics = {f'train_label_{k}': train[k] for k in ('nc1', 'tr_ratio')}
        fines = [r['fine_label'] for r in chosen]
        if all(f is not None for f in fines):
            fine = neural_collapse_stats(h, torch.tensor(fines))
            metrics.update({f'fine_{k}': fine[k] for k in ('nc1', 'tr_ratio')})
            metrics['subclass_share'] = 1.0 - fine['tr_w'] / train['tr_w']
        return metrics
