"""MCC ops against the paper's worked example and small reference implementations."""

import math

import pytest
import torch

from mmproto.ops import (
    class_block_index,
    gaussian_std_kl,
    multicenter_bias,
    multicenter_index,
    multicenter_targets,
    sample_subcenters,
    soft_targets,
    split_batch_point,
    subcenter_std,
)


def test_worked_example_t1_k2():
    # Sec. 4.2: t_i = 1, K = 2 -> centre 3, sub-centres 4 and 5.
    t = torch.tensor([1])
    assert multicenter_index(t, 2).item() == 3
    assert [multicenter_index(t, 2, k).item() for k in (1, 2)] == [4, 5]
    assert class_block_index(t, 3).tolist() == [[3, 4, 5]]
    tau = multicenter_targets(t, num_classes=3, num_subcenters=2)
    assert tau.shape == (1, 9)
    expected = torch.zeros(1, 9)
    expected[0, 3], expected[0, 4], expected[0, 5] = 0.5, 0.25, 0.25  # Eq. 8
    torch.testing.assert_close(tau, expected)


def test_layout_is_class_major():
    C, K, d = 3, 2, 4
    w = torch.arange(C * d, dtype=torch.float).view(C, d)
    log_var = torch.zeros(C, d)
    noise = torch.randn(C, K, d)
    fm = sample_subcenters(w, log_var, K, noise=noise)
    assert fm.shape == (C * (K + 1), d)
    for c in range(C):
        torch.testing.assert_close(fm[c * (K + 1)], w[c])  # centre first (Eq. 7)
        for k in range(K):
            torch.testing.assert_close(fm[c * (K + 1) + 1 + k], w[c] + noise[c, k])
    assert (
        multicenter_bias(torch.tensor([1.0, 2.0, 3.0]), K).tolist()
        == [1.0] * 3 + [2.0] * 3 + [3.0] * 3
    )


def test_reparameterisation_matches_eq6_and_std_scale():
    torch.manual_seed(0)
    C, K, d = 2, 3, 5
    w, log_var = torch.randn(C, d), torch.randn(C, d)
    noise = torch.randn(C, K, d)
    for scale in (1.0, 0.1):
        fm = sample_subcenters(w, log_var, K, std_scale=scale, noise=noise).view(C, K + 1, d)
        sigma = scale * torch.exp(log_var / 2)  # sigma = scale * sqrt(sigma^2)
        torch.testing.assert_close(fm[:, 1:], w[:, None] + sigma[:, None] * noise)
        torch.testing.assert_close(subcenter_std(log_var, scale), sigma)


def test_sampling_statistics_and_generator():
    C, K, d = 2, 4000, 3
    w = torch.tensor([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]])
    log_var = torch.log(torch.tensor([[0.25, 1.0, 4.0], [1.0, 0.01, 9.0]]))
    g = torch.Generator().manual_seed(1)
    fm = sample_subcenters(w, log_var, K, generator=g).view(C, K + 1, d)[:, 1:]
    torch.testing.assert_close(fm.mean(1), w, atol=0.15, rtol=0)
    torch.testing.assert_close(fm.var(1), log_var.exp(), atol=0, rtol=0.1)
    g2 = torch.Generator().manual_seed(1)
    torch.testing.assert_close(
        sample_subcenters(w, log_var, K, generator=g2).view(C, K + 1, d)[:, 1:], fm
    )


def test_gradients_reach_mean_and_log_var():
    w = torch.randn(3, 4, requires_grad=True)
    log_var = torch.zeros(3, 4, requires_grad=True)
    fm = sample_subcenters(w, log_var, 2, generator=torch.Generator().manual_seed(0))
    (fm**2).sum().backward()
    assert w.grad is not None and w.grad.abs().sum() > 0
    assert log_var.grad is not None and log_var.grad.abs().sum() > 0


@pytest.mark.parametrize('K', [1, 2, 4, 8])
def test_labels_sum_to_one(K):
    C = 5
    labels = torch.tensor([0, 4, 2, 2])
    for kwargs in (
        {},
        dict(center_weight=0.5, subcenter_weight=0.4 / K, label_smooth=0.1),
        dict(center_weight=0.7),
    ):
        tau = multicenter_targets(labels, C, K, **kwargs)
        assert tau.shape == (4, C * (K + 1))
        torch.testing.assert_close(tau.sum(1), torch.ones(4))
        own = tau.gather(1, class_block_index(labels, K + 1))
        assert own[:, 0].sub(own[:, 1:].max(1).values).min() >= 0  # the centre dominates


def test_official_code_labels():
    # 0.5 / 0.2 / 0.2 + 0.1 label smoothing spread over all C (K + 1) logits.
    C, K = 4, 2
    tau = multicenter_targets(torch.tensor([2]), C, K, 0.5, 0.2, 0.1)
    eps = 0.1 / (C * (K + 1))
    expected = torch.full((1, C * (K + 1)), eps)
    expected[0, 6] += 0.5
    expected[0, 7:9] += 0.2
    torch.testing.assert_close(tau, expected)
    # the default sub-centre weight takes the smoothing into account: (1 - 0.5 - 0.1) / 2
    torch.testing.assert_close(multicenter_targets(torch.tensor([2]), C, K, label_smooth=0.1), tau)


def test_soft_label_mapping():
    C, K = 3, 2
    scores = torch.tensor([[0.7, 0.3, 0.0], [0.0, 0.0, 1.0]])
    tau = multicenter_targets(scores, C, K).view(2, C, K + 1)
    torch.testing.assert_close(tau[..., 0], 0.5 * scores)
    torch.testing.assert_close(tau[..., 1], 0.25 * scores)
    torch.testing.assert_close(tau[..., 2], 0.25 * scores)
    torch.testing.assert_close(tau.sum((1, 2)), torch.ones(2))
    # a one-hot score row maps exactly like its hard label
    torch.testing.assert_close(
        multicenter_targets(scores[1:], C, K), multicenter_targets(torch.tensor([2]), C, K)
    )
    # Mixup is linear: mapping the mix = mixing the mappings
    a, b = torch.tensor([0]), torch.tensor([1])
    lam = 0.7
    mixed = multicenter_targets(scores[:1], C, K)
    torch.testing.assert_close(
        mixed, lam * multicenter_targets(a, C, K) + (1 - lam) * multicenter_targets(b, C, K)
    )


def test_soft_targets_for_centre_half():
    s = soft_targets(None, torch.tensor([1, 0]), 4, label_smooth=0.1)
    torch.testing.assert_close(s[0], torch.tensor([0.025, 0.925, 0.025, 0.025]))
    assert split_batch_point(7) == 3 and split_batch_point(1) == 0


def _kl_reference(log_var):
    # Eq. 10 literally, one class and one dimension at a time.
    out = []
    for row in log_var.tolist():
        out.append(-0.5 * sum(1 + lv - math.exp(lv) for lv in row))
    return torch.tensor(out)


def test_kl_against_eq10():
    log_var = torch.tensor([[0.0, 0.0, 0.0], [1.0, -2.0, 0.3]])
    per_class = _kl_reference(log_var)
    assert per_class[0] == 0  # sigma = 1 is the minimum
    torch.testing.assert_close(gaussian_std_kl(log_var, 'none'), per_class)
    torch.testing.assert_close(gaussian_std_kl(log_var), per_class.mean())
    torch.testing.assert_close(gaussian_std_kl(log_var, 'sum'), per_class.sum())
    assert (gaussian_std_kl(torch.randn(10, 7), 'none') >= 0).all()
    lv = torch.tensor([[0.5, -0.5]], requires_grad=True)
    gaussian_std_kl(lv).backward()
    torch.testing.assert_close(lv.grad, -0.5 * (1 - lv.detach().exp()))  # d/dlv


def test_bad_input():
    with pytest.raises(ValueError, match='num_subcenters'):
        multicenter_targets(torch.tensor([0]), 3, 0)
    with pytest.raises(TypeError, match='num_subcenters'):
        sample_subcenters(torch.zeros(2, 3), torch.zeros(2, 3), 1.5)
    with pytest.raises(ValueError, match='num_subcenters'):
        sample_subcenters(torch.zeros(2, 3), torch.zeros(2, 3), 0)
    with pytest.raises(ValueError, match='gt_score.*width 4.*num_classes is 3'):
        multicenter_targets(torch.rand(2, 4), 3, 2)
    with pytest.raises(ValueError, match='gt_label'):
        multicenter_targets(torch.tensor([3]), 3, 2)
    with pytest.raises(ValueError, match='must be 1'):
        multicenter_targets(torch.tensor([0]), 3, 2, center_weight=0.5, subcenter_weight=0.3)
    with pytest.raises(ValueError, match='log_var'):
        sample_subcenters(torch.zeros(2, 3), torch.zeros(3, 3), 2)
    with pytest.raises(ValueError, match='reduction'):
        gaussian_std_kl(torch.zeros(2, 3), 'avg')
