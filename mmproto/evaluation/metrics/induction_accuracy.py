"""Induction accuracy: fine-label k-NN in a feature space learned from coarse labels (App. E)."""

from typing import List, Optional, Sequence

import torch
import torch.nn.functional as F
from mmengine.evaluator import BaseMetric
from mmpretrain.registry import METRICS

from mmproto.ops.knn import knn_class_scores

__all__ = ['InductionAccuracy']


@METRICS.register_module()
class InductionAccuracy(BaseMetric):
    """Top-1 k-nearest-neighbour accuracy on fine labels (App. E, Tables 13-14, DNC).

    "After training on coarse classes, we use the top-1 nearest neighbor accuracy in the final
    feature space to measure the accuracy of identifying fine-grained classes." Every query is
    labelled by the vote of its ``k`` most similar gallery samples (k=1: its nearest neighbour)
    and compared with its fine label.

    Each data sample must carry ``embedding`` (e.g. from
    :class:`mmproto.models.classifiers.EmbeddingClassifier`) and ``fine_label`` (from a
    :class:`mmproto.datasets.CoarseLabelDataset` with
    ``PackInputs(algorithm_keys=['fine_label'])``). Gallery samples are flagged
    ``knn_gallery=True`` (:class:`mmproto.datasets.QueryGalleryDataset`); with no gallery
    sample at all, queries are matched leave-one-out among themselves. Queries that also carry
    ``pred_label`` / ``gt_label`` add the classifier's own top-1 on the training (coarse) labels
    as ``coarse_top1`` (the "20 classes" column of Table 13).

    Args:
        k (int): number of neighbours. Defaults to 1 (the paper's top-1 nearest neighbour).
        similarity (str): ``'cosine'`` or ``'euclidean'`` (negative squared distance).
        temperature (float, optional): weight neighbours by ``exp(s / temperature)``; ``None`` =
            one vote each.
        chunk_size (int): queries per similarity block (bounds memory to chunk x gallery).
        collect_device, prefix: see ``BaseMetric`` (prefix defaults to ``'induction'``).
    """

    default_prefix: Optional[str] = 'induction'

    def __init__(
        self,
        k: int = 1,
        similarity: str = 'cosine',
        temperature: Optional[float] = None,
        chunk_size: int = 1024,
        collect_device: str = 'cpu',
        prefix: Optional[str] = None,
    ):
        super().__init__(collect_device=collect_device, prefix=prefix)
        if k < 1:
            raise ValueError(f'InductionAccuracy: k must be >= 1, got {k}')
        if similarity not in ('cosine', 'euclidean'):
            raise ValueError(
                f"InductionAccuracy: similarity must be 'cosine' or 'euclidean', got {similarity!r}"
            )
        if chunk_size < 1:
            raise ValueError(f'InductionAccuracy: chunk_size must be >= 1, got {chunk_size}')
        self.k = k
        self.similarity = similarity
        self.temperature = temperature
        self.chunk_size = chunk_size

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            embedding = sample.get('embedding')
            if embedding is None:
                raise KeyError(
                    'InductionAccuracy: data sample has no "embedding"; use '
                    "model=dict(type='EmbeddingClassifier', ...) so predictions carry features"
                )
            fine = sample.get('fine_label')
            if fine is None:
                raise KeyError(
                    'InductionAccuracy: data sample has no "fine_label"; evaluate on a '
                    "CoarseLabelDataset with PackInputs(algorithm_keys=['fine_label'])"
                )
            result = dict(
                embedding=torch.as_tensor(embedding).detach().float().cpu().flatten(),
                fine_label=int(torch.as_tensor(fine).flatten()[0]),
                gallery=bool(sample.get('knn_gallery', False)),
            )
            if 'pred_label' in sample and 'gt_label' in sample:
                result['coarse_correct'] = bool(
                    int(torch.as_tensor(sample['pred_label']).flatten()[0])
                    == int(torch.as_tensor(sample['gt_label']).flatten()[0])
                )
            self.results.append(result)

    def _similarity(self, q: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
        if self.similarity == 'cosine':
            return F.normalize(q, dim=1) @ F.normalize(g, dim=1).t()
        return -torch.cdist(q, g).pow(2)

    def knn_predict(
        self,
        queries: torch.Tensor,
        gallery: torch.Tensor,
        gallery_labels: torch.Tensor,
        num_classes: int,
        leave_one_out: bool = False,
    ) -> torch.Tensor:
        """Fine-label k-NN prediction ``[Nq]`` of every query (chunked over queries)."""
        preds = []
        for start in range(0, queries.shape[0], self.chunk_size):
            q = queries[start : start + self.chunk_size]
            sims = self._similarity(q, gallery)
            if leave_one_out:
                rows = torch.arange(q.shape[0])
                sims[rows, rows + start] = float('-inf')
            scores = knn_class_scores(sims, gallery_labels, num_classes, self.k, self.temperature)
            preds.append(scores.argmax(dim=1))
        return torch.cat(preds) if preds else torch.zeros(0, dtype=torch.long)

    def compute_metrics(self, results: List[dict]) -> dict:
        queries = [r for r in results if not r['gallery']]
        gallery = [r for r in results if r['gallery']]
        if not queries:
            raise ValueError('InductionAccuracy: no query samples to evaluate')
        leave_one_out = not gallery
        if leave_one_out:
            if len(queries) < 2:
                raise ValueError('InductionAccuracy: leave-one-out needs at least 2 queries')
            gallery = queries
        q_emb = torch.stack([r['embedding'] for r in queries])
        g_emb = torch.stack([r['embedding'] for r in gallery])
        if q_emb.shape[1] != g_emb.shape[1]:
            raise ValueError(
                f'InductionAccuracy: query embeddings have dim {q_emb.shape[1]} but gallery '
                f'embeddings {g_emb.shape[1]}'
            )
        q_labels = torch.tensor([r['fine_label'] for r in queries])
        g_labels = torch.tensor([r['fine_label'] for r in gallery])
        num_classes = int(max(q_labels.max(), g_labels.max())) + 1
        pred = self.knn_predict(q_emb, g_emb, g_labels, num_classes, leave_one_out)
        metrics = {'top1': (pred == q_labels).float().mean().item() * 100}
        coarse = [r['coarse_correct'] for r in queries if 'coarse_correct' in r]
        if coarse:
            metrics['coarse_top1'] = sum(coarse) / len(coarse) * 100
        return metrics
