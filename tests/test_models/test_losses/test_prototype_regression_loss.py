import pytest
import torch

from mmproto.models.losses import PrototypeRegressionLoss


def test_paper_and_hpn_modes():
    cos = torch.tensor([[0.5, -0.2], [0.1, 0.9]])
    y = torch.tensor([0, 1])
    paper = PrototypeRegressionLoss('paper')(cos, y)
    assert paper.item() == pytest.approx((0.5 * 0.25 + 0.5 * 0.01) / 2)
    hpn = PrototypeRegressionLoss('hpn')(cos, y)
    assert hpn.item() == pytest.approx(0.25 + 0.01)


def test_dr_mode_batch_frequency_weights_and_mixup():
    cos = torch.tensor([[0.0, 0.0], [0.5, 0.0], [0.0, 0.5]])
    y = torch.tensor([0, 0, 1])
    # gamma = 3 / 2 classes; e0^2 = 1.5 / 2, e1^2 = 1.5 / 1
    expect = (0.75 * 0.5 * 1 + 0.75 * 0.5 * 0.25 + 1.5 * 0.5 * 0.25) / 3
    assert PrototypeRegressionLoss('dr')(cos, y).item() == pytest.approx(expect)
    # Mixup soft target = lam * l(y_a) + (1 - lam) * l(y_b)
    lam, perm = 0.3, torch.tensor([2, 0, 1])
    soft = lam * torch.eye(2)[y] + (1 - lam) * torch.eye(2)[y[perm]]
    loss = PrototypeRegressionLoss('paper')
    mixed = lam * loss(cos, y) + (1 - lam) * loss(cos, y[perm])
    assert loss(cos, soft).item() == pytest.approx(mixed.item())
    with pytest.raises(ValueError, match='mode'):
        PrototypeRegressionLoss('l1')
