"""MultiCenterClsHead against a per-sample, per-class loop over the MCC equations (Eq. 5-11)."""

import math

import pytest
import torch
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmproto  # noqa: F401

C, D, K = 4, 6, 3


def _reference_loss(x, labels, w, log_var, eps, std_scale, cw, sw, ls):
    """Eq. 5-11 written out with Python loops: one sample, one class, one sub-centre at a time."""
    rows = []  # F_m of Eq. 7, class-major: centre, then its K sub-centres
    for c in range(C):
        rows.append([float(w[c, j]) for j in range(D)])
        for k in range(K):
            sigma = [std_scale * math.exp(0.5 * float(log_var[c, j])) for j in range(D)]  # Eq. 5
            rows.append([float(w[c, j]) + sigma[j] * float(eps[c, k, j]) for j in range(D)])  # 6
    total = 0.0
    for i in range(x.shape[0]):
        logits = [sum(float(x[i, j]) * r[j] for j in range(D)) for r in rows]  # Eq. 2 per row
        top = max(logits)
        log_z = top + math.log(sum(math.exp(v - top) for v in logits))
        t = int(labels[i])
        for r, v in enumerate(logits):  # Eq. 8 labels (+ uniform smoothing), Eq. 9 CE
            tau = ls / len(rows)
            if r == t * (K + 1):
                tau += cw
            elif t * (K + 1) < r <= t * (K + 1) + K:
                tau += sw
            total -= tau * (v - log_z)
    kl = 0.0
    for c in range(C):  # Eq. 10, summed over d, mean over classes (official code)
        kl += -0.5 * sum(
            1 + float(log_var[c, j]) - math.exp(float(log_var[c, j])) for j in range(D)
        )
    return total / x.shape[0], kl / C


@pytest.mark.parametrize(
    'std_scale, cw, sw, ls', [(1.0, 0.5, None, 0.0), (0.1, 0.4, 0.15, 0.15), (0.3, 0.7, 0.1, 0.0)]
)
def test_loss_equals_per_sample_reference(std_scale, cw, sw, ls):
    torch.manual_seed(0)
    head = MODELS.build(
        dict(type='MultiCenterClsHead', num_classes=C, in_channels=D, num_subcenters=K,
             center_weight=cw, subcenter_weight=sw, label_smooth=ls, std_scale=std_scale,
             noise_seed=11)
    )  # fmt: skip
    with torch.no_grad():
        head.log_var.normal_(0.0, 0.5)
    x, labels = torch.randn(5, D), torch.tensor([0, 3, 3, 1, 2])
    w_mc = head.multicenter_classifier()[0].view(C, K + 1, D)  # the noise of the coming step
    sigma = std_scale * torch.exp(0.5 * head.log_var)
    eps = ((w_mc[:, 1:] - head.fc.weight[:, None]) / sigma[:, None]).detach()
    losses = head.loss((x,), [DataSample().set_gt_label(int(t)) for t in labels])
    sw = (1 - cw - ls) / K if sw is None else sw
    ref_ce, ref_kl = _reference_loss(
        x, labels, head.fc.weight, head.log_var, eps, std_scale, cw, sw, ls
    )
    assert losses['loss'].item() == pytest.approx(ref_ce, rel=1e-5)
    assert losses['loss_std'].item() == pytest.approx(ref_kl, rel=1e-5)
    # the recovered noise is a standard normal draw per (class, sub-centre, dimension)
    assert abs(eps.mean().item()) < 0.5 and 0.5 < eps.std().item() < 1.6


def test_test_time_logits_are_the_class_means_only():
    torch.manual_seed(1)
    head = MODELS.build(dict(type='MultiCenterClsHead', num_classes=C, in_channels=D)).eval()
    x = torch.randn(3, D)
    out = head((x,))
    for i in range(3):
        for c in range(C):
            ref = sum(float(x[i, j]) * float(head.fc.weight[c, j]) for j in range(D))
            assert out[i, c].item() == pytest.approx(ref, rel=1e-5, abs=1e-6)
