"""An ImageClassifier whose predictions also carry the sample's feature (for k-NN metrics)."""

from typing import List, Optional

import torch
from mmpretrain.models import ImageClassifier
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

__all__ = ['EmbeddingClassifier']

EMBEDDINGS = ('auto', 'pre_logits', 'head')


@MODELS.register_module()
class EmbeddingClassifier(ImageClassifier):
    """``ImageClassifier`` that stores each sample's final feature as ``embedding`` in its
    predicted data sample (for :class:`mmproto.evaluation.metrics.InductionAccuracy`).

    The "final feature space" of App. E (DNC) is, for a parametric head, the input of its
    linear layer (``head.pre_logits``) and, for a DNC head, the space in which it compares
    with the sub-centroids, ``l2(LN_D(f))`` (``head.classifier.embed``). For a DNC head
    (``embedding='head'``) each prediction also carries ``subcentroid_sims [C, K]``, the cosine
    to every sub-centroid (Eq. 4; read by :class:`mmproto.evaluation.metrics.SubCentroidUsage`).

    Args:
        embedding (str): ``'pre_logits'``, ``'head'`` (the head classifier's ``embed``; DNC) or
            ``'auto'`` (``'head'`` when the head has one, else ``'pre_logits'``).
        **kwargs: see ``ImageClassifier``. Training is unchanged.
    """

    def __init__(self, *args, embedding: str = 'auto', **kwargs):
        super().__init__(*args, **kwargs)
        if embedding not in EMBEDDINGS:
            raise ValueError(f'EmbeddingClassifier: embedding must be one of {EMBEDDINGS}')
        embed = getattr(getattr(self.head, 'classifier', None), 'embed', None)
        if embedding == 'head' and embed is None:
            raise ValueError(
                f"EmbeddingClassifier: embedding='head' but {type(self.head).__name__} has no "
                'classifier.embed'
            )
        self.embedding = 'pre_logits' if embedding == 'auto' and embed is None else embedding
        if self.embedding == 'auto':
            self.embedding = 'head'

    def extract_embedding(self, feats) -> torch.Tensor:
        """``[N, D]`` final feature of a batch of extracted features."""
        f = self.head.pre_logits(feats)
        if self.embedding == 'head':
            f = self.head.classifier.embed(f)
        return f.flatten(1)

    def predict(
        self, inputs: torch.Tensor, data_samples: Optional[List[DataSample]] = None, **kwargs
    ) -> List[DataSample]:
        feats = self.extract_feat(inputs)
        predictions = self.head.predict(feats, data_samples, **kwargs)
        embeddings = self.extract_embedding(feats).detach()
        bank = getattr(getattr(self.head, 'classifier', None), 'bank', None)
        sims = None
        if bank is not None and self.embedding == 'head':  # DNC: cosine to every sub-centroid
            sims = bank.similarity(embeddings).detach()
        for i, (sample, embedding) in enumerate(zip(predictions, embeddings)):
            sample.set_field(embedding, 'embedding')
            if sims is not None:
                sample.set_field(sims[i], 'subcentroid_sims')
        return predictions
