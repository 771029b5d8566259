import pytest
import torch
import torch.nn.functional as F

from mmproto.models.utils.class_mean_ema import ClassMeanEMA


def test_repeated_labels_use_the_batch_class_mean():
    ema = ClassMeanEMA(3, 2, momentum=0.5)
    x = torch.tensor([[2.0, 0.0], [0.0, 3.0], [0.0, 1.0], [1.0, 1.0]])
    y = torch.tensor([0, 0, 2, 0])
    ema.update(x, y)
    xn = F.normalize(x, dim=1)
    mean0 = F.normalize((xn[0] + xn[1] + xn[3]) / 3, dim=0)
    assert torch.allclose(ema.means[0], mean0, atol=1e-6)  # first sighting: the batch mean
    assert torch.allclose(ema.means[2], torch.tensor([0.0, 1.0]))
    assert ema.initialized.tolist() == [True, False, True] and ema.means[1].abs().sum() == 0
    # second step: momentum on the unit mean, renormalised; absent classes keep their value
    x2, y2 = torch.tensor([[1.0, 0.0], [1.0, 0.0]]), torch.tensor([0, 0])
    before2 = ema.means[2].clone()
    ema.update(x2, y2)
    expect = F.normalize(0.5 * mean0 + 0.5 * torch.tensor([1.0, 0.0]), dim=0)
    assert torch.allclose(ema.means[0], expect, atol=1e-6)
    assert torch.equal(ema.means[2], before2)


def test_code_mode_keeps_one_sample_per_class():
    ema = ClassMeanEMA(2, 2, momentum=0.95, mode='code')
    ema.update(torch.tensor([[1.0, 0.0], [0.0, 1.0]]), torch.tensor([1, 1]))
    assert torch.allclose(ema.means[1], torch.tensor([0.0, 1.0]))  # the last one survives


def test_bad_labels_and_shapes():
    ema = ClassMeanEMA(3, 2)
    with pytest.raises(ValueError, match=r'num_classes=3'):
        ema.update(torch.randn(2, 2), torch.tensor([0, 3]))
    with pytest.raises(ValueError, match=r'\(N, 2\)'):
        ema.update(torch.randn(2, 5), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match='momentum'):
        ClassMeanEMA(3, 2, momentum=1.0)
