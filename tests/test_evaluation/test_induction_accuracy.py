import copy

import pytest
import torch
import torch.nn.functional as F
from helpers import make_cls_folder, tiny_cls_cfg
from mmengine.runner import Runner
from mmpretrain.structures import DataSample

from mmproto.evaluation.metrics import InductionAccuracy


def samples(emb, fine, gallery, pred=None, gt=None):
    out = []
    for i in range(emb.shape[0]):
        s = DataSample()
        s.set_field(emb[i], 'embedding')
        s.set_field(int(fine[i]), 'fine_label')
        s.set_metainfo(dict(knn_gallery=bool(gallery[i])))
        if pred is not None:
            s.set_pred_label(int(pred[i])).set_gt_label(int(gt[i]))
        out.append(s.to_dict())
    return out


def direct_knn(q, ql, g, gl, k, exclude_self=False):
    """Obviously-correct reference: loop over queries, sort, majority vote (nearest wins ties)."""
    correct = 0
    for i in range(q.shape[0]):
        sims = [float(F.cosine_similarity(q[i], g[j], dim=0)) for j in range(g.shape[0])]
        order = sorted(range(len(sims)), key=lambda j: -sims[j])
        if exclude_self:
            order = [j for j in order if j != i]
        votes = {}
        for j in order[:k]:
            votes[int(gl[j])] = votes.get(int(gl[j]), 0) + 1
        best = max(votes.values())
        pred = next(int(gl[j]) for j in order[:k] if votes[int(gl[j])] == best)
        correct += pred == int(ql[i])
    return 100.0 * correct / q.shape[0]


@pytest.mark.parametrize('k', [1, 5])
def test_matches_direct_knn(k):
    g = torch.Generator().manual_seed(0)
    centers = torch.randn(6, 16, generator=g)
    fine = torch.randint(0, 6, (90,), generator=g)
    emb = centers[fine] + 1.2 * torch.randn(90, 16, generator=g)
    gallery = torch.arange(90) >= 30
    coarse_pred = torch.randint(0, 2, (90,), generator=g)
    coarse_gt = fine // 3
    metric = InductionAccuracy(k=k, chunk_size=7)
    batch = samples(emb, fine, gallery, coarse_pred, coarse_gt)
    metric.process(None, batch[:40])
    metric.process(None, batch[40:])
    res = metric.compute_metrics(metric.results)
    q, gl = ~gallery, gallery
    expected = direct_knn(emb[q], fine[q], emb[gl], fine[gl], k)
    assert res['top1'] == pytest.approx(expected)
    assert 0 < res['top1'] < 100  # not a degenerate case
    assert res['coarse_top1'] == pytest.approx(
        100.0 * (coarse_pred[q] == coarse_gt[q]).float().mean().item()
    )


def test_leave_one_out_without_gallery():
    g = torch.Generator().manual_seed(1)
    fine = torch.randint(0, 4, (40,), generator=g)
    emb = torch.randn(4, 8, generator=g)[fine] + torch.randn(40, 8, generator=g)
    metric = InductionAccuracy(k=1, chunk_size=9)
    metric.process(None, samples(emb, fine, torch.zeros(40, dtype=torch.bool)))
    res = metric.compute_metrics(metric.results)
    assert res['top1'] == pytest.approx(direct_knn(emb, fine, emb, fine, 1, exclude_self=True))


def test_missing_fields_are_named():
    metric = InductionAccuracy()
    no_emb, no_fine = DataSample(), DataSample()
    no_emb.set_field(1, 'fine_label')
    no_fine.set_field(torch.ones(2), 'embedding')
    with pytest.raises(KeyError, match='embedding'):
        metric.process(None, [no_emb.to_dict()])
    with pytest.raises(KeyError, match='fine_label'):
        metric.process(None, [no_fine.to_dict()])
    with pytest.raises(ValueError, match='similarity'):
        InductionAccuracy(similarity='dot')


def test_runner_val_with_embedding_classifier(tmp_path):
    """End to end: EmbeddingClassifier + CoarseLabelDataset + QueryGalleryDataset in a Runner."""
    root = make_cls_folder(str(tmp_path / 'data'), num_classes=4, per_class=4, size=16)
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='PackInputs', algorithm_keys=['fine_label']),
    ]
    coarse = dict(
        type='CoarseLabelDataset',
        dataset=dict(type='CustomDataset', data_root=root, with_label=True),
        fine_to_coarse=[0, 0, 1, 1],
        pipeline=pipeline,
    )
    loader = dict(
        batch_size=5,
        num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=False),
        dataset=dict(type='QueryGalleryDataset', query=coarse, gallery=coarse),
    )
    model = tiny_cls_cfg(root, '', dict(type='LinearClsHead', num_classes=2, in_channels=64)).model
    runner = Runner(
        model=dict(model, type='EmbeddingClassifier'),
        work_dir=str(tmp_path / 'work'),
        val_dataloader=copy.deepcopy(loader),
        val_cfg=dict(),
        val_evaluator=dict(type='InductionAccuracy', k=1),
        default_scope='mmpretrain',
    )
    metrics = runner.val()
    # every query is also in the gallery with distance 0 -> 1-NN finds itself
    assert metrics['induction/top1'] == pytest.approx(100.0)
    assert 'induction/coarse_top1' in metrics


def test_embedding_classifier_spaces():
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS

    init_default_scope('mmpretrain')
    backbone = tiny_cls_cfg('', '', {}).model.backbone
    linear = MODELS.build(
        dict(
            type='EmbeddingClassifier',
            backbone=backbone,
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=2, in_channels=64),
        )
    ).eval()
    assert linear.embedding == 'pre_logits'
    dnc = MODELS.build(
        dict(
            type='EmbeddingClassifier',
            backbone=backbone,
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='DNCHead', num_classes=2, in_channels=64),
        )
    ).eval()
    assert dnc.embedding == 'head'
    x = torch.randn(3, 3, 8, 8)
    with torch.no_grad():
        emb = torch.stack([s.embedding for s in dnc.predict(x)])
        f = dnc.head.pre_logits(dnc.extract_feat(x))
    assert torch.allclose(emb, dnc.head.classifier.embed(f))  # l2(LN_D(f))
    assert torch.allclose(emb.norm(dim=1), torch.ones(3))
    with pytest.raises(ValueError, match="embedding='head'"):
        MODELS.build(
            dict(
                type='EmbeddingClassifier',
                embedding='head',
                backbone=backbone,
                neck=dict(type='GlobalAveragePooling'),
                head=dict(type='LinearClsHead', num_classes=2, in_channels=64),
            )
        )
