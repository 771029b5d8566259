import pytest
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmproto  # noqa: F401
from mmproto.ops.prototypes import simplex_etf


def _samples(labels):
    return [DataSample().set_gt_label(int(y)) for y in labels]


def _head(**kw):
    head = MODELS.build(dict(type='HypersphericalHead', num_classes=4, in_channels=3, **kw))
    head.set_prototypes(simplex_etf(4, 3))
    return head


def test_loss_predict_and_class_means():
    head = _head()
    head.assignment_hook_attached = True
    head.set_assignment(torch.tensor([2, 0, 3, 1]))
    feats = torch.randn(5, 3, generator=torch.Generator().manual_seed(0), requires_grad=True)
    labels = torch.tensor([0, 1, 1, 3, 2])
    losses = head.loss((feats,), _samples(labels))
    z = F.normalize(feats, dim=1)
    cos = (z * head.prototypes[head.assignment[labels]]).sum(1)
    assert losses['loss'].item() == pytest.approx((0.5 * (cos - 1) ** 2).mean().item(), rel=1e-6)
    losses['loss'].backward()
    assert feats.grad is not None and feats.grad.abs().sum() > 0
    assert head.class_means.initialized.all()
    assert torch.allclose(head.class_means.means[3], z[3].detach(), atol=1e-6)
    # predict = argmax cosine to the assigned prototypes
    x = head.prototypes[head.assignment[torch.tensor([3, 0])]] * 2
    preds = head.predict((x,))
    assert [p.pred_label.item() for p in preds] == [3, 0]


def test_missing_hook_and_missing_prototypes_errors():
    head = MODELS.build(dict(type='HypersphericalHead', num_classes=4, in_channels=3))
    with pytest.raises(RuntimeError, match='PrototypePrecomputeHook'):
        head.predict((torch.randn(2, 3),))
    head.set_prototypes(simplex_etf(4, 3))
    with pytest.raises(RuntimeError, match='LabelPrototypeAssignmentHook'):
        head.loss((torch.randn(2, 3),), _samples([0, 1]))
    with pytest.raises(ValueError, match='in_channels=3'):
        head.predict((torch.randn(2, 5),))
    with pytest.raises(ValueError, match='permutation'):
        head.set_assignment(torch.tensor([0, 0, 1, 2]))


def test_fixed_assignment_bn_and_dr_loss_with_mixup_scores():
    head = _head(
        dynamic_assignment=False,
        norm_cfg=dict(type='BN1d'),
        loss=dict(type='PrototypeRegressionLoss', mode='dr'),
    )
    samples = _samples([0, 1, 2, 2])
    for s, score in zip(samples, torch.eye(4)[[1, 0, 2, 2]]):
        s.set_gt_score(0.6 * torch.eye(4)[s.gt_label.item()] + 0.4 * score)
    x = torch.randn(4, 3, generator=torch.Generator().manual_seed(3))
    loss = head.loss((x,), samples)['loss']
    assert not head.class_means.initialized.any()
    # by hand: BN1d in training (batch mean, biased variance, eps 1e-5), l2, cosine to the
    # identity-assigned prototype of each class; DR weights gamma / n_c from the soft counts
    # n = (1, 1, 2, 0): gamma = 4 samples / 3 classes present, class 3 absent (weight 1)
    z = F.normalize((x - x.mean(0)) / torch.sqrt(x.var(0, unbiased=False) + 1e-5), dim=1)
    cos = z @ simplex_etf(4, 3).T
    target = torch.tensor([[0.6, 0.4, 0, 0], [0.4, 0.6, 0, 0], [0, 0, 1.0, 0], [0, 0, 1.0, 0]])
    weights = torch.tensor([4 / 3, 4 / 3, 2 / 3, 1.0])
    expected = (target * weights * 0.5 * (cos - 1) ** 2).sum() / 4
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)


def test_fixed_ce_and_uniformity_linear_heads():
    ce = MODELS.build(dict(type='FixedPrototypeCEHead', num_classes=4, in_channels=3))
    ce.set_prototypes(simplex_etf(4, 3))
    x = torch.randn(2, 3)
    assert torch.allclose(ce((x,)), x @ ce.prototypes.T)
    assert ce.loss((x,), _samples([0, 3]))['loss'] > 0
    lin = MODELS.build(
        dict(type='UniformityLinearClsHead', num_classes=4, in_channels=3, uniformity_weight=0.5)
    )
    losses = lin.loss((x,), _samples([0, 3]))
    from mmproto.ops.uniformity import uniformity_loss

    assert losses['loss_uniformity'].item() == pytest.approx(
        0.5 * uniformity_loss(lin.fc.weight).item()
    )


def test_fixed_ce_head_max_separation_scale():
    """Kasarla et al.: logits = (C-1 outputs) x (r P)ᵀ, softmax CE."""
    from mmproto.ops.prototypes import max_separation_prototypes

    head = MODELS.build(dict(type='FixedPrototypeCEHead', num_classes=5, in_channels=4, scale=0.1))
    p = max_separation_prototypes(5)
    head.set_prototypes(p)
    x = torch.randn(3, 4, generator=torch.Generator().manual_seed(1))
    logits = head((x,))
    assert torch.allclose(logits, x @ (0.1 * p).T, atol=1e-6)
    loss = head.loss((x,), _samples([0, 4, 2]))['loss']
    assert loss.item() == pytest.approx(
        F.cross_entropy(logits, torch.tensor([0, 4, 2])).item(), rel=1e-5
    )
    with pytest.raises(ValueError, match='scale'):
        MODELS.build(dict(type='FixedPrototypeCEHead', num_classes=5, in_channels=4, scale=0))
