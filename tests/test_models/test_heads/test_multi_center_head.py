"""MultiCenterClsHead and its ArcFace / L-Softmax variants (small CPU tensors)."""

import copy

import pytest
import torch
import torch.nn.functional as F
from mmpretrain.models.heads import ArcFaceClsHead, LinearClsHead
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmproto  # noqa: F401
from mmproto.models.utils import SplitBatchAugment

C, D, N, K = 5, 8, 6, 2


def _head(**kwargs):
    cfg = dict(type='MultiCenterClsHead', num_classes=C, in_channels=D, noise_seed=3)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def _samples(labels, scores=None):
    out = []
    for i, y in enumerate(labels):
        ds = DataSample().set_gt_label(int(y))
        if scores is not None:
            ds.set_gt_score(scores[i])
        out.append(ds)
    return out


def _ce(logits, target):
    return -(target * logits.log_softmax(1)).sum(1).mean()


def _eq8(labels, c=C, k=K, cw=0.5, sw=None, ls=0.0):
    # reference Eq. 8 labels, written out one sample at a time
    sw = (1 - cw - ls) / k if sw is None else sw
    tau = torch.full((len(labels), c * (k + 1)), ls / (c * (k + 1)))
    for i, t in enumerate(labels.tolist()):
        tau[i, t * (k + 1)] += cw
        for j in range(1, k + 1):
            tau[i, t * (k + 1) + j] += sw
    return tau


def _kl(log_var):
    return (-0.5 * (1 + log_var - log_var.exp()).sum(1)).mean()


@pytest.fixture
def data():
    torch.manual_seed(0)
    return torch.randn(N, D), torch.tensor([0, 1, 4, 4, 2, 3])


@pytest.mark.parametrize('bias', [False, True])
def test_eval_is_a_linear_head(data, bias):
    x, _ = data
    head = _head(bias=bias).eval()
    linear = LinearClsHead(num_classes=C, in_channels=D).eval()
    with torch.no_grad():
        linear.fc.weight.copy_(head.fc.weight)
        linear.fc.bias.copy_(head.fc.bias if bias else torch.zeros(C))
    torch.testing.assert_close(head((x,)), linear((x,)))
    p1 = head.predict((x,))
    p2 = linear.predict((x,))
    for a, b in zip(p1, p2):
        torch.testing.assert_close(a.pred_score, b.pred_score)
        assert a.pred_label == b.pred_label


def test_loss_matches_eq9_to_eq11(data):
    x, y = data
    head = _head()
    w_mc, b_mc = head.multicenter_classifier()  # the noise of the coming step
    assert b_mc is None and w_mc.shape == (C * (K + 1), D)
    torch.testing.assert_close(w_mc.view(C, K + 1, D)[:, 0], head.fc.weight)
    losses = head.loss((x,), _samples(y))
    torch.testing.assert_close(losses['loss'], _ce(x @ w_mc.t(), _eq8(y)))
    torch.testing.assert_close(losses['loss_std'], _kl(head.log_var))
    assert int(head.num_steps) == 1


def test_gradients_reach_log_var(data):
    x, y = data
    for loss_std in (dict(type='StdKLLoss'), None):
        head = _head(loss_std=loss_std)
        losses = head.loss((x.requires_grad_(),), _samples(y))
        assert ('loss_std' in losses) == (loss_std is not None)
        sum(losses.values()).backward()
        assert head.log_var.grad is not None and head.log_var.grad.abs().sum() > 0
        assert head.fc.weight.grad.abs().sum() > 0


def test_noise_is_redrawn_every_step_and_seeded(data):
    x, y = data
    a, b = _head(), _head()
    b.load_state_dict(a.state_dict())
    w1, _ = a.multicenter_classifier()
    a.loss((x,), _samples(y))
    w2, _ = a.multicenter_classifier()
    assert not torch.allclose(w1, w2)  # re-sampled every forward (Sec. 5.4)
    torch.testing.assert_close(w1, b.multicenter_classifier()[0])
    # loading a state_dict restores the position of the noise stream
    b.load_state_dict(a.state_dict())
    torch.testing.assert_close(w2, b.multicenter_classifier()[0])
    c = _head(noise_seed=4)
    c.load_state_dict({k: v for k, v in a.state_dict().items() if k != 'noise_seed'}, strict=False)
    assert not torch.allclose(w2, c.multicenter_classifier()[0])


def test_soft_scores_are_mapped(data):
    x, y = data
    scores = F.one_hot(y, C).float()
    scores = 0.6 * scores + 0.4 * scores.roll(1, 0)  # a Mixup batch
    head = _head()
    w_mc, _ = head.multicenter_classifier()
    loss = head.loss((x,), _samples(y, scores))['loss']
    tau = 0.6 * _eq8(y) + 0.4 * _eq8(y.roll(1, 0))
    torch.testing.assert_close(loss, _ce(x @ w_mc.t(), tau))
    with pytest.raises(ValueError, match='gt_score'):
        head.loss((x,), _samples(y, torch.rand(N, C + 1)))


def test_official_code_labels_and_label_smooth_loss(data):
    x, y = data
    head = _head(center_weight=0.5, subcenter_weight=0.2, label_smooth=0.1, std_scale=0.1)
    w_mc, _ = head.multicenter_classifier()
    loss = head.loss((x,), _samples(y))['loss']
    torch.testing.assert_close(loss, _ce(x @ w_mc.t(), _eq8(y, cw=0.5, sw=0.2, ls=0.1)))
    # mmpretrain's LabelSmoothLoss composes on top of the multi-center labels
    head = _head(loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'))
    w_mc, _ = head.multicenter_classifier()
    loss = head.loss((x,), _samples(y))['loss']
    smoothed = 0.9 * _eq8(y) + 0.1 / (C * (K + 1))
    torch.testing.assert_close(loss, _ce(x @ w_mc.t(), smoothed))


def test_std_scale_scales_the_noise(data):
    h1, h2 = _head(std_scale=1.0), _head(std_scale=0.1)
    h2.load_state_dict(h1.state_dict())
    w1, w2 = h1.multicenter_classifier()[0], h2.multicenter_classifier()[0]
    base = h1.fc.weight.repeat_interleave(K + 1, 0)
    torch.testing.assert_close(w2 - base, 0.1 * (w1 - base))


def test_split_batch_mode(data):
    x, y = data
    head = _head(mixup_mode='split_batch', label_smooth=0.1, center_weight=0.5)
    h = N // 2
    scores = F.one_hot(y, C).float()
    scores[:h] = 0.7 * scores[:h] + 0.3 * scores[:h].flip(0)
    w_mc, _ = head.multicenter_classifier()
    loss = head.loss((x,), _samples(y, scores))['loss']
    first = _ce(x[:h] @ head.fc.weight.t(), 0.9 * scores[:h] + 0.1 / C)
    second = _ce(x[h:] @ w_mc.t(), _eq8(y[h:], ls=0.1))
    torch.testing.assert_close(loss, (first + second) / 2)
    with pytest.raises(ValueError, match='SplitBatchAugment'):
        head.loss((x,), _samples(y, 0.5 * scores + 0.5 * scores.roll(1, 0)))


def test_split_batch_augment_mixes_the_first_half_only():
    torch.manual_seed(0)
    aug = SplitBatchAugment([dict(type='Mixup', alpha=1.0)])
    inputs, scores = torch.randn(6, 3, 4, 4), F.one_hot(torch.arange(6) % 3, 3).float()
    out_inputs, out_scores = aug(inputs, scores)
    torch.testing.assert_close(out_inputs[3:], inputs[3:])
    torch.testing.assert_close(out_scores[3:], scores[3:])
    assert not torch.allclose(out_scores[:3], scores[:3])
    torch.testing.assert_close(out_scores.sum(1), torch.ones(6))


def test_deploy_and_switch_to_deploy(data):
    x, y = data
    head = _head(bias=True).eval()
    ref = head((x,))
    deployed = _head(bias=True, deploy=True).eval()
    linear = LinearClsHead(num_classes=C, in_channels=D)
    assert set(deployed.state_dict()) == set(linear.state_dict()) == {'fc.weight', 'fc.bias'}
    n_lin = sum(p.numel() for p in linear.parameters())
    assert sum(p.numel() for p in deployed.parameters()) == n_lin
    assert sum(p.numel() for p in head.parameters()) == n_lin + C * D  # + log-variance
    head.switch_to_deploy()
    assert set(head.state_dict()) == {'fc.weight', 'fc.bias'}
    torch.testing.assert_close(head((x,)), ref)
    deployed.load_state_dict(head.state_dict())
    torch.testing.assert_close(deployed((x,)), ref)
    with pytest.raises(RuntimeError, match='deploy=True'):
        deployed.loss((x,), _samples(y))


def test_eval_flops_equal_linear_head():
    from mmengine.analysis import FlopAnalyzer

    class Wrap(torch.nn.Module):
        def __init__(self, head):
            super().__init__()
            self.head = head

        def forward(self, x):
            return self.head((x,))

    x = torch.randn(2, D)
    mc = Wrap(_head(bias=True).eval())
    lin = Wrap(LinearClsHead(num_classes=C, in_channels=D).eval())
    flops_mc = FlopAnalyzer(mc, (x,)).unsupported_ops_warnings(False).total()
    flops_lin = FlopAnalyzer(lin, (x,)).unsupported_ops_warnings(False).total()
    assert flops_mc == flops_lin == 2 * D * C


def test_arcface_variant(data):
    x, y = data
    head = MODELS.build(
        dict(type='MultiCenterArcFaceClsHead', num_classes=C, in_channels=D, scale=8.0,
             margins=0.3, noise_seed=0)
    )  # fmt: skip
    ref = ArcFaceClsHead(num_classes=C, in_channels=D, scale=8.0, margins=0.3)
    ref.norm_product.weight.data.copy_(head.norm_product.weight)
    torch.testing.assert_close(head.eval()((x,)), ref.eval()((x,)))
    head.train()
    w_mc, _ = head.multicenter_classifier()
    cos = F.normalize(x) @ F.normalize(w_mc).t()
    own = torch.zeros_like(cos, dtype=torch.bool)
    for i, t in enumerate(y.tolist()):
        own[i, t * (K + 1) : (t + 1) * (K + 1)] = True
    logits = torch.where(own, torch.cos(torch.acos(cos) + 0.3), cos) * 8.0
    losses = head.loss((x,), _samples(y))
    torch.testing.assert_close(losses['loss'], _ce(logits, _eq8(y)), atol=1e-5, rtol=1e-5)
    sum(losses.values()).backward()
    assert head.log_var.grad.abs().sum() > 0


def test_lsoftmax_variant(data):
    x, y = data
    head = MODELS.build(
        dict(type='MultiCenterLSoftmaxClsHead', num_classes=C, in_channels=D, margin=2,
             lambda_base=10.0, lambda_gamma=1.0, lambda_min=0.5, noise_seed=0)
    )  # fmt: skip
    assert head.current_lambda() == 10.0
    w_mc, _ = head.multicenter_classifier()
    base = x @ w_mc.t()
    norms = x.norm(dim=1, keepdim=True) * w_mc.norm(dim=1)
    theta = torch.acos((base / norms).clamp(-1, 1))
    k = torch.floor(2 * theta / torch.pi)
    psi = (-1) ** k * torch.cos(2 * theta) - 2 * k
    target = (10.0 * base + norms * psi) / 11.0
    ref = base.clone()
    for i, t in enumerate(y.tolist()):
        sl = slice(t * (K + 1), (t + 1) * (K + 1))
        ref[i, sl] = target[i, sl]
    loss = head.loss((x,), _samples(y))['loss']
    torch.testing.assert_close(loss, _ce(ref, _eq8(y)), atol=1e-5, rtol=1e-5)
    assert head.current_lambda() == 5.0  # 10 / (1 + 1 * 1)
    for _ in range(30):
        head._advance_step()
    assert head.current_lambda() == 0.5  # lambda_min
    with pytest.raises(ValueError, match='bias'):
        MODELS.build(dict(type='MultiCenterLSoftmaxClsHead', num_classes=C, in_channels=D,
                          bias=True))  # fmt: skip


def test_bad_configs():
    with pytest.raises(ValueError, match='num_subcenters'):
        _head(num_subcenters=0)
    with pytest.raises(TypeError, match='num_subcenters'):
        _head(num_subcenters=2.0)
    with pytest.raises(ValueError, match='use_soft'):
        _head(loss=dict(type='CrossEntropyLoss'))
    with pytest.raises(ValueError, match=r'loss.num_classes=5 .* C \* \(K \+ 1\) = 15'):
        _head(loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, num_classes=C))
    with pytest.raises(ValueError, match='mixup_mode'):
        _head(mixup_mode='half')
    with pytest.raises(ValueError, match='must be 1'):
        _head(center_weight=0.6, subcenter_weight=0.3)
    with pytest.raises(ValueError, match='std_scale'):
        _head(std_scale=0.0)
    with pytest.raises(ValueError, match='log_var_init'):
        _head(log_var_init='normal')
    head = _head()
    with pytest.raises(ValueError, match='in_channels=8'):
        head((torch.randn(2, D + 1),))
    with pytest.raises(ValueError, match='gt_label'):
        head.loss((torch.randn(2, D),), _samples(torch.tensor([0, C])))


def test_log_var_init_and_deepcopy():
    head = _head(log_var_init='zeros')
    assert head.log_var.abs().sum() == 0
    head = _head(log_var_init=-2.0)
    assert (head.log_var == -2.0).all()
    head = _head()
    assert head.log_var.abs().max() <= 1 / D**0.5
    copy.deepcopy(head)  # EMA hooks deep-copy the model


def test_split_batch_with_label_smooth_loss(data):
    x, y = data
    head = _head(
        mixup_mode='split_batch',
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
    )
    w_mc, _ = head.multicenter_classifier()
    loss = head.loss((x,), _samples(y))['loss']
    h = N // 2
    first = _ce(x[:h] @ head.fc.weight.t(), 0.9 * F.one_hot(y[:h], C).float() + 0.1 / C)
    second = _ce(x[h:] @ w_mc.t(), 0.9 * _eq8(y[h:]) + 0.1 / (C * (K + 1)))
    torch.testing.assert_close(loss, (first + second) / 2)
    head.loss((x,), _samples(y))  # the lazily set num_classes of both losses stay apart


def test_arcface_variant_takes_adaptive_margins(data):
    x, y = data
    head = MODELS.build(
        dict(type='MultiCenterArcFaceClsHead', num_classes=C, in_channels=D, noise_seed=0)
    )
    assert isinstance(head, ArcFaceClsHead)  # SetAdaptiveMarginsHook accepts it
    before = head.group_logits(x, head.norm_product.weight, None, y, 1)
    head.set_margins([0.1] * C)
    after = head.group_logits(x, head.norm_product.weight, None, y, 1)
    cos = F.normalize(x) @ F.normalize(head.norm_product.weight).t()
    own = F.one_hot(y, C).bool()
    torch.testing.assert_close(after[~own], before[~own])
    torch.testing.assert_close(after[own], 64.0 * torch.cos(torch.acos(cos[own]) + 0.1))


@pytest.mark.parametrize('head_type', ['MultiCenterClsHead', 'MultiCenterArcFaceClsHead',
                                       'MultiCenterLSoftmaxClsHead'])  # fmt: skip
def test_head_learns_separable_classes(head_type):
    torch.manual_seed(0)
    means = 3 * torch.randn(C, D)
    y = torch.arange(C).repeat(16)
    x = means[y] + torch.randn(len(y), D)
    head = MODELS.build(
        dict(type=head_type, num_classes=C, in_channels=D, noise_seed=0, std_scale=0.1)
    )
    optim = torch.optim.Adam(head.parameters(), lr=0.05)
    samples = _samples(y)
    log_var0 = head.log_var.detach().clone()
    for _ in range(60):
        optim.zero_grad()
        sum(head.loss((x,), samples).values()).backward()
        optim.step()
    head.eval()
    accuracy = (head((x,)).argmax(1) == y).float().mean()
    assert accuracy == 1.0
    assert not torch.allclose(head.log_var, log_var0)


@pytest.mark.parametrize(
    'head_type', ['MultiCenterClsHead', 'MultiCenterArcFaceClsHead', 'MultiCenterLSoftmaxClsHead']
)
def test_every_head_takes_the_multicenter_arguments_by_name(head_type):
    from mmpretrain.registry import MODELS as CLS_MODELS

    from mmproto.models.heads.multi_center_head import MC_ARGS

    given = dict(
        num_subcenters=3,
        center_weight=0.4,
        subcenter_weight=0.2,
        std_scale=0.1,
        log_var_init='zeros',
        loss_std=None,
        mixup_mode='split_batch',
        noise_seed=5,
        per_rank_noise=True,
    )
    assert set(given) <= set(MC_ARGS)
    head = CLS_MODELS.build(dict(type=head_type, num_classes=4, in_channels=6, **given))
    assert (head.num_subcenters, head.center_weight, head.subcenter_weight) == (3, 0.4, 0.2)
    assert (head.std_scale, head.loss_std, head.mixup_mode) == (0.1, None, 'split_batch')
    assert (int(head.noise_seed), head.per_rank_noise) == (5, True)
    assert torch.equal(head.log_var, torch.zeros(4, 6))
    with pytest.raises(ValueError, match='num_classes=0 must be a positive integer'):
        CLS_MODELS.build(dict(type=head_type, num_classes=0, in_channels=6))
