import pytest
import torch

from mmproto.ops import knn_class_scores


def test_one_nn_and_weighted_votes():
    sims = torch.tensor([[0.9, 0.1, 0.8, 0.7], [0.0, 0.5, 0.4, 0.45]])
    labels = torch.tensor([0, 1, 1, 1])
    assert knn_class_scores(sims, labels, 2, k=1).argmax(1).tolist() == [0, 1]
    # k=3, plain votes: row 0 has neighbours 0 (cls 0), 2, 3 (cls 1) -> class 1 wins
    assert knn_class_scores(sims, labels, 2, k=3).argmax(1).tolist() == [1, 1]
    w = knn_class_scores(sims, labels, 2, k=2, temperature=0.1)
    assert torch.allclose(w[0], torch.tensor([torch.tensor(9.0).exp(), torch.tensor(8.0).exp()]))


def test_ignored_gallery_never_votes():
    sims = torch.tensor([[0.9, 0.1]])
    scores = knn_class_scores(sims, torch.tensor([-1, 1]), 2, k=1)
    assert scores.argmax(1).tolist() == [1]


def test_bad_input():
    with pytest.raises(ValueError, match='k must be'):
        knn_class_scores(torch.zeros(1, 2), torch.zeros(2, dtype=torch.long), 2, k=0)
    with pytest.raises(ValueError, match='gallery_labels must be < num_classes'):
        knn_class_scores(torch.zeros(1, 2), torch.tensor([0, 3]), 2)
