import pytest
import torch
from mmpretrain.structures import DataSample

from mmproto.evaluation.metrics import SubCentroidUsage
from mmproto.models.classifiers import EmbeddingClassifier
from mmproto.ops import subcentroid_usage


def test_metric_uses_gallery_and_fine_labels():
    g = torch.Generator().manual_seed(0)
    sims = torch.randn(40, 3, 4, generator=g)
    coarse, fine = torch.arange(40) % 3, torch.arange(40) % 6
    data = []
    for i in range(40):
        s = DataSample().set_gt_label(int(coarse[i]))
        s.set_field(sims[i], 'subcentroid_sims')
        s.set_field(int(fine[i]), 'fine_label')
        s.set_metainfo(dict(knn_gallery=i >= 10))
        data.append(s.to_dict())
    metric = SubCentroidUsage()
    metric.process(None, data)
    out = metric.compute_metrics(metric.results)
    assert out == pytest.approx(subcentroid_usage(sims[10:], coarse[10:], fine[10:]))
    with pytest.raises(KeyError, match='subcentroid_sims'):
        SubCentroidUsage().process(None, [DataSample().set_gt_label(0).to_dict()])


def test_embedding_classifier_attaches_subcentroid_sims():
    model = EmbeddingClassifier(
        backbone=dict(type='LeNet5', num_classes=-1),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='DNCHead', num_classes=3, in_channels=120, num_subcentroids=2),
    ).eval()
    preds = model.predict(torch.randn(2, 1, 32, 32), [DataSample(), DataSample()])
    for pred in preds:
        sims = pred.subcentroid_sims
        assert sims.shape == (3, 2)
        expected = torch.einsum('d,ckd->ck', pred.embedding, model.head.prototypes)
        assert torch.allclose(sims, expected, atol=1e-6)
