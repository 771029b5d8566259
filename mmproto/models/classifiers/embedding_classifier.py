"""An ImageClassifier whose predictions also carry the sample's feature (for k-NN metrics)."""

from typing import List, Optional

import torch
from mmpretrain.models import ImageClassifier
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

__all__ = ['EmbeddingClassifier']


@MODELS.register_module()
class EmbeddingClassifier(ImageClassifier):
    """``ImageClassifier`` that stores ``head.pre_logits(feats)`` as ``embedding`` in every
    predicted data sample.

    The pre-logits feature is the "final feature space" of App. E (DNC): the input of the
    linear layer for a parametric head, the feature compared with the sub-centroids for DNC.
    Training is unchanged; use it with :class:`mmproto.evaluation.metrics.InductionAccuracy`.
    """

    def predict(
        self, inputs: torch.Tensor, data_samples: Optional[List[DataSample]] = None, **kwargs
    ) -> List[DataSample]:
        feats = self.extract_feat(inputs)
        predictions = self.head.predict(feats, data_samples, **kwargs)
        embeddings = self.head.pre_logits(feats).detach()
        for sample, embedding in zip(predictions, embeddings.flatten(1)):
            sample.set_field(embedding, 'embedding')
        return predictions
