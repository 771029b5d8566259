import pytest
import torch
from mmpretrain.structures import DataSample

from mmproto.models.heads import DeepNCMHead


def batch(labels):
    return [DataSample().set_gt_label(int(y)) for y in labels]


def step(head, f, labels):
    head.attach_subcentroid_updater()
    losses = head.loss((f,), batch(labels))
    head.update_subcentroids()
    return losses


def test_decay_mean_follows_batch_class_means():
    head = DeepNCMHead(num_classes=3, in_channels=2, decay=0.5)
    f = torch.tensor([[2.0, 0.0], [4.0, 0.0], [0.0, 2.0]])
    step(head, f, [0, 0, 2])
    assert torch.allclose(head.means, torch.tensor([[1.5, 0.0], [0.0, 0.0], [0.0, 1.0]]))
    step(head, torch.tensor([[1.0, 1.0]]), [0])
    assert torch.allclose(head.means[0], torch.tensor([1.25, 0.5]))
    logits = head((torch.tensor([[1.25, 0.5]]),))
    assert torch.argmax(logits).item() == 0 and float(logits[0, 0]) == pytest.approx(0.0)


def test_online_mean_and_condensation():
    head = DeepNCMHead(num_classes=2, in_channels=1, mean_update='online_reset', reset_interval=2)
    step(head, torch.tensor([[1.0], [3.0]]), [0, 0])
    assert float(head.means[0]) == 2.0 and float(head.counts[0]) == 2
    step(head, torch.tensor([[5.0]]), [0])  # running mean of 1, 3, 5 -> 3; then condensed
    assert float(head.means[0]) == pytest.approx(3.0) and float(head.counts[0]) == 1
    step(head, torch.tensor([[5.0]]), [0])  # condensed mean counts as one sample
    assert float(head.means[0]) == pytest.approx(4.0)


def test_gradient_reaches_features_not_means_and_errors():
    head = DeepNCMHead(num_classes=2, in_channels=2)
    f = torch.randn(4, 2, requires_grad=True)
    head.attach_subcentroid_updater()
    head.loss((f,), batch([0, 1, 0, 1]))['loss'].backward()
    assert f.grad is not None and not head.means.requires_grad
    with pytest.raises(RuntimeError, match='SubCentroidUpdateHook'):
        DeepNCMHead(num_classes=2, in_channels=2).loss((f,), batch([0, 1, 0, 1]))
    with pytest.raises(ValueError, match='num_classes=2'):
        head.loss((f,), batch([0, 1, 0, 5]))
    with pytest.raises(ValueError, match='mean_update'):
        DeepNCMHead(num_classes=2, in_channels=2, mean_update='ema')
