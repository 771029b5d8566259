import pytest
import torch
from mmpretrain.structures import DataSample

from mmproto.evaluation.metrics import SubsetAccuracy


def samples(scores, labels, gallery, with_scores=True):
    out = []
    for i in range(len(labels)):
        s = DataSample().set_gt_label(int(labels[i]))
        if with_scores:
            s.set_pred_score(scores[i])
        else:
            s.set_pred_label(int(scores[i].argmax()))
        s.set_metainfo(dict(knn_gallery=bool(gallery[i])))
        out.append(s.to_dict())
    return out


def run(metric, data):
    metric.process(None, data)
    return metric.compute_metrics(metric.results)


# 6 samples, 3 classes; gallery = the first 4: top-1 right on 0, 1, 2 (3/4), top-2 on 4/4;
# queries: sample 4 right, sample 5 wrong (1/2)
SCORES = torch.tensor(
    [
        [0.7, 0.2, 0.1],
        [0.1, 0.8, 0.1],
        [0.2, 0.1, 0.7],
        [0.5, 0.4, 0.1],
        [0.1, 0.1, 0.8],
        [0.6, 0.3, 0.1],
    ]
)
LABELS = [0, 1, 2, 1, 2, 2]
GALLERY = [True, True, True, True, False, False]


def test_gallery_and_query_accuracy_by_hand():
    out = run(SubsetAccuracy(topk=(1, 2)), samples(SCORES, LABELS, GALLERY))
    assert out == pytest.approx({'top1': 75.0, 'top2': 100.0})
    assert run(SubsetAccuracy(samples='query'), samples(SCORES, LABELS, GALLERY)) == {
        'top1': pytest.approx(50.0)
    }
    assert run(SubsetAccuracy(samples='all'), samples(SCORES, LABELS, GALLERY))[
        'top1'
    ] == pytest.approx(400 / 6)
    # pred_label only (top-1)
    only_labels = samples(SCORES, LABELS, GALLERY, with_scores=False)
    assert run(SubsetAccuracy(), only_labels)['top1'] == pytest.approx(75.0)


def test_errors_name_the_field():
    with pytest.raises(ValueError, match='samples'):
        SubsetAccuracy(samples='train')
    with pytest.raises(KeyError, match='pred_score'):
        SubsetAccuracy(topk=2).process(None, samples(SCORES, LABELS, GALLERY, False))
    with pytest.raises(ValueError, match='selects no sample'):
        run(SubsetAccuracy(samples='gallery'), samples(SCORES, LABELS, [False] * 6))
    # 'auto' without a gallery: all samples
    assert run(SubsetAccuracy(), samples(SCORES, LABELS, [False] * 6))['top1'] == pytest.approx(
        400 / 6
    )
