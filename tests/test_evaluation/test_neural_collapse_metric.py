import pytest
import torch
from helpers.neural_collapse_reference import reference_nc  # noqa: E402
from mmpretrain.structures import DataSample

from mmproto.evaluation.metrics import NeuralCollapse


def samples(emb, coarse, fine, gallery):
    out = []
    for i in range(emb.shape[0]):
        s = DataSample().set_gt_label(int(coarse[i]))
        s.set_field(emb[i], 'embedding')
        if fine is not None:
            s.set_field(int(fine[i]), 'fine_label')
        s.set_metainfo(dict(knn_gallery=bool(gallery[i])))
        out.append(s.to_dict())
    return out


def synthetic(n=80, seed=0):
    g = torch.Generator().manual_seed(seed)
    fine = torch.arange(n) % 6
    coarse = torch.tensor([0, 0, 1, 1, 2, 2])[fine]
    emb = torch.randn(6, 5, generator=g)[fine] + 0.4 * torch.randn(n, 5, generator=g)
    gallery = torch.arange(n) < n // 2
    return emb, coarse, fine, gallery


def run(metric, data):
    metric.process(None, data)
    return metric.compute_metrics(metric.results)


def test_metric_matches_reference_on_gallery_fine_and_coarse():
    emb, coarse, fine, gallery = synthetic()
    out = run(NeuralCollapse(), samples(emb, coarse, fine, gallery))
    h = torch.nn.functional.normalize(emb[gallery], dim=1).numpy()
    nc_c, ratio_c, sw_c, _ = reference_nc(h, coarse[gallery].numpy())
    nc_f, ratio_f, sw_f, _ = reference_nc(h, fine[gallery].numpy())
    assert out['train_label_nc1'] == pytest.approx(nc_c, rel=1e-6)
    assert out['train_label_tr_ratio'] == pytest.approx(ratio_c, rel=1e-6)
    assert out['fine_nc1'] == pytest.approx(nc_f, rel=1e-6)
    assert out['fine_tr_ratio'] == pytest.approx(ratio_f, rel=1e-6)
    assert out['subclass_share'] == pytest.approx(1 - sw_f.trace() / sw_c.trace(), rel=1e-6)
    assert 0.0 < out['subclass_share'] < 1.0


def test_sample_sets_and_normalize():
    emb, coarse, fine, gallery = synthetic(seed=1)
    query = run(
        NeuralCollapse(samples='query', normalize=False), samples(emb, coarse, fine, gallery)
    )
    nc_q = reference_nc(emb[~gallery].numpy(), coarse[~gallery].numpy())[0]
    assert query['train_label_nc1'] == pytest.approx(nc_q, rel=1e-6)
    everything = run(NeuralCollapse(samples='auto'), samples(emb, coarse, None, torch.zeros(80)))
    h = torch.nn.functional.normalize(emb, dim=1).numpy()
    assert everything['train_label_nc1'] == pytest.approx(
        reference_nc(h, coarse.numpy())[0], rel=1e-6
    )
    assert set(everything) == {'train_label_nc1', 'train_label_tr_ratio'}


def test_errors_name_the_missing_field():
    with pytest.raises(ValueError, match='samples'):
        NeuralCollapse(samples='train')
    s = DataSample().set_gt_label(0).to_dict()
    with pytest.raises(KeyError, match='EmbeddingClassifier'):
        NeuralCollapse().process(None, [s])
    emb, coarse, fine, _ = synthetic()
    m = NeuralCollapse(samples='gallery')
    with pytest.raises(ValueError, match='selects no sample'):
        run(m, samples(emb, coarse, fine, torch.zeros(80)))
