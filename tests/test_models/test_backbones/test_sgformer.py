"""SGFormer backbone: published sizes, stage shapes, the attentions against naive references."""

import math

import pytest
import torch
from mmpretrain.models.utils import build_2d_sincos_position_embedding

from mmproto.models.backbones import SGFormer
from mmproto.models.backbones.sgformer_attention import (
    HybridScaleAttention,
    SelfGuidedAttention,
    TokenReallocation,
)

HEAD_WIDTH = {'s': 512, 'm': 512, 'b': 768}


def _classifier(arch):
    from mmpretrain.registry import MODELS

    return MODELS.build(
        dict(
            type='ImageClassifier',
            backbone=dict(type='SGFormer', arch=arch),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=1000, in_channels=HEAD_WIDTH[arch]),
        )
    )


def sgformer_classifier_params(embed_dims, depths, mlp_ratios, sr_ratios, num_classes=1000):
    """Parameters of SG-Former + a linear head, counted from the architecture (SG-Former §3,
    official code) layer by layer, independently of the module tree: conv stem, conv
    downsampling, fixed-size position embedding, per block two LayerNorms, the conv FFN and the
    attention (LePE, output projection and its own projections), a norm per stage."""
    rates = {8: (196, 56, 28), 4: (49, 14, 7), 2: (2, 1)}  # token aggregation at 224 x 224

    def lin(i, o):
        return i * o + o

    def norm(c):  # LayerNorm or GroupNorm(1, c)
        return 2 * c

    c0 = embed_dims[0]
    n = 3 * c0 * 9 + 2 * c0 * c0 * 9 + 4 * norm(c0)  # stem: 3 bias-free 3x3 convs + GN; LN
    n += 56 * 56 * c0  # position embedding of the 56 x 56 stage-1 grid
    for a, b in zip(embed_dims, embed_dims[1:]):  # bias-free 1x1, depth-wise 3x3, 1x1 + GN
        n += a * b + b * 9 + b * b + 3 * norm(b)
    for c, d, mlp, sr in zip(embed_dims, depths, mlp_ratios, sr_ratios):
        h = int(c * mlp)
        block = 2 * norm(c) + lin(c, h) + (h * 9 + h) + lin(h, c)  # norms, conv FFN
        block += lin(c, c) + (c * 9 + c) + lin(c, c)  # LePE (linear, depth-wise 3x3), proj
        if sr == 1:  # full attention: q, kv
            n += d * (block + lin(c, c) + lin(c, 2 * c))
        else:  # hybrid (q/kv global and local, the sr conv + LN) and self-guided blocks alternate
            hybrid = 2 * lin(c, c // 2) + (c * c * sr * sr + c) + norm(c) + 2 * lin(c, c)
            guided = 3 * lin(c, c) + sum(lin(r, 1) for r in rates[sr])
            n += d // 2 * (2 * block + hybrid + guided)
        n += norm(c)
    return n + lin(embed_dims[-1], num_classes)


ARCHS = {  # SG-Former Table 1 settings (S, M, B)
    's': dict(embed_dims=(64, 128, 256, 512), depths=(2, 4, 16, 1)),
    'm': dict(embed_dims=(64, 128, 256, 512), depths=(2, 6, 28, 2)),
    'b': dict(embed_dims=(96, 192, 384, 768), depths=(4, 6, 24, 2)),
}


@pytest.mark.parametrize(
    'arch, paper_m, mcc_m', [('s', 22.5, 22), ('m', None, None), ('b', 77.9, 78)]
)
def test_parameter_counts_match_the_papers(arch, paper_m, mcc_m):
    n = sum(p.numel() for p in _classifier(arch).parameters())
    assert n == sgformer_classifier_params(
        **ARCHS[arch], mlp_ratios=(4, 4, 4, 4), sr_ratios=(8, 4, 2, 1)
    )
    if paper_m is not None:
        printed = math.floor(n / 1e5) / 10
        assert printed == paper_m  # SG-Former paper: 22.5M / 77.9M
        assert round(printed) == mcc_m  # MCC Table 1: 22M / 78M (22.5 rounded half to even)


@pytest.mark.slow
@pytest.mark.parametrize('arch, gflops', [('s', 4.8), ('b', 15.6)])
def test_flops_match_mcc_table1(arch, gflops):
    from mmengine.analysis import FlopAnalyzer

    model = _classifier(arch).eval()
    analyzer = FlopAnalyzer(model, (torch.rand(1, 3, 224, 224),))
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    assert round(analyzer.total() / 1e9, 1) == gflops


def test_stage_shapes_block_types_and_out_indices():
    model = SGFormer('s', out_indices=(0, 1, 2, -1)).eval()
    types = [[b.attention for b in stage] for stage in model.stages]
    assert types[0] == ['hybrid', 'guided'] and types[3] == ['full']
    assert types[2] == ['hybrid', 'guided'] * 8
    with torch.no_grad():
        outs = model(torch.rand(1, 3, 224, 224))
    assert [tuple(o.shape) for o in outs] == [
        (1, 64, 56, 56),
        (1, 128, 28, 28),
        (1, 256, 14, 14),
        (1, 512, 7, 7),
    ]
    # the 224 x 224 key counts of the self-guided blocks: 4 + 28 + 28, 4 + 28 + 28, 49 + 98
    counts = [model.stages[i][1].attn.reallocation.num_tokens(56**2 // 4**i) for i in range(3)]
    assert counts == [60, 60, 147]
    with pytest.raises(ValueError, match='out_indices'):
        SGFormer('s', out_indices=(4,))


def test_small_and_non_square_inputs_train():
    model = SGFormer('s', img_size=32, out_indices=(0, 3), drop_path_rate=0.1)
    model.init_weights()
    outs = model(torch.rand(2, 3, 32, 48))  # pos embed resized from 8 x 8 to 8 x 12
    assert [tuple(o.shape) for o in outs] == [(2, 64, 8, 12), (2, 512, 1, 2)]
    # not a plain sum: the output LayerNorm makes the sum over channels constant (zero gradient)
    (
        outs[-1] * torch.randn(outs[-1].shape, generator=torch.Generator().manual_seed(0))
    ).sum().backward()
    assert model.pos_embed.grad is not None and model.stem.convs[0][0].weight.grad.abs().sum() > 0
    with pytest.raises(ValueError, match='at least 32'):
        model(torch.rand(1, 3, 16, 16))
    strict = SGFormer('s', img_size=32, pad_small_map=False)
    with pytest.raises(ValueError, match='pad_small_map'):
        strict(torch.rand(1, 3, 32, 32))


def test_arch_validation():
    arch = dict(SGFormer.arch_zoo['s'], depths=(3, 4, 16, 1))
    with pytest.raises(ValueError, match='even'):
        SGFormer(arch)
    with pytest.raises(ValueError, match="arch 'x'"):
        SGFormer('x')
    with pytest.raises(ValueError, match='keys'):
        SGFormer(dict(depths=(2, 2, 2, 2)))


def test_frozen_stages():
    model = SGFormer('s', img_size=32, frozen_stages=1)
    model.train()
    frozen = [model.stem, model.stages[0], model.norms[0], model.downsamples[0], model.stages[1]]
    assert all(not p.requires_grad for m in frozen for p in m.parameters())
    assert not model.pos_embed.requires_grad and all(not m.training for m in frozen)
    assert all(p.requires_grad for p in model.stages[2].parameters()) and model.stages[2].training
    with pytest.raises(ValueError, match='frozen_stages'):
        SGFormer('s', frozen_stages=4)


def test_init_weights():
    model = SGFormer('s', img_size=64)
    for p in model.parameters():
        torch.nn.init.constant_(p, 0.5)
    model.init_weights()
    assert torch.equal(model.pos_embed, build_2d_sincos_position_embedding((16, 16), 64))
    fc = model.stages[2][0].ffn.fc1
    assert abs(fc.weight.std().item() - 0.02) < 0.002 and fc.bias.abs().max() == 0
    conv = model.downsamples[1].convs[0][0]  # 1x1, 128 -> 256: std sqrt(2 / 256)
    assert abs(conv.weight.std().item() / math.sqrt(2 / 256) - 1) < 0.05
    norm = model.norms[1]
    assert torch.all(norm.weight == 1) and torch.all(norm.bias == 0)


def _naive_significance_and_local(attn, x, hw):
    """Reference: explicit attention maps, loops over windows (no padding)."""
    B, N, C = x.shape
    H, W = hw
    h, d, ws, sr = attn.num_heads // 2, C // attn.num_heads, attn.window_size, attn.sr_ratio
    # global heads
    q = attn.q_global(x).view(B, N, h, d)
    red = attn.sr(x.transpose(1, 2).reshape(B, C, H, W)).flatten(2).transpose(1, 2)
    kv = attn.kv_global(attn.sr_act(attn.sr_norm(red)))
    k = kv[..., : C // 2].view(B, -1, h, d)  # the global values do not enter S
    a = torch.einsum('bnhd,bmhd->bhnm', q, k).mul(d**-0.5).softmax(-1)
    s_global = a.mean(dim=(1, 2)).view(B, H // sr, W // sr)
    s_global = s_global.repeat_interleave(sr, 1).repeat_interleave(sr, 2)
    # local heads, window by window
    ql = attn.q_local(x).view(B, H, W, h, d)
    kvl = attn.kv_local(x).view(B, H, W, 2, h, d)
    y = torch.zeros(B, H, W, h, d)
    s_local = torch.zeros(B, H, W)
    for i in range(0, H, ws):
        for j in range(0, W, ws):
            qw = ql[:, i : i + ws, j : j + ws].reshape(B, -1, h, d)
            kw = kvl[:, i : i + ws, j : j + ws, 0].reshape(B, -1, h, d)
            vw = kvl[:, i : i + ws, j : j + ws, 1].reshape(B, -1, h, d)
            aw = torch.einsum('bnhd,bmhd->bhnm', qw, kw).mul(d**-0.5).softmax(-1)
            y[:, i : i + ws, j : j + ws] = torch.einsum('bhnm,bmhd->bnhd', aw, vw).view(
                B, ws, ws, h, d
            )
            s_local[:, i : i + ws, j : j + ws] = aw.mean(dim=(1, 2)).view(B, ws, ws)
    return s_global + s_local, y.reshape(B, N, C // 2)


def test_hybrid_scale_attention_matches_naive_reference():
    torch.manual_seed(0)
    attn = HybridScaleAttention(16, 4, sr_ratio=2, window_size=7).eval()
    x = torch.randn(2, 14 * 14, 16)
    with torch.no_grad():
        _, significance = attn(x, (14, 14))
        y_local, _ = attn._local(x, (14, 14))
        ref_s, ref_y = _naive_significance_and_local(attn, x, (14, 14))
    torch.testing.assert_close(significance, ref_s)
    torch.testing.assert_close(y_local, ref_y)
    # every query's attention sums to 1: S sums to sr^2 (global) + number of windows (local)
    torch.testing.assert_close(significance.sum(dim=(1, 2)), torch.full((2,), 4.0 + 4.0))


def test_hybrid_scale_attention_pads_small_maps():
    torch.manual_seed(0)
    attn = HybridScaleAttention(16, 4, sr_ratio=2, window_size=7).eval()
    x = torch.randn(1, 64, 16)
    with torch.no_grad():
        out, significance = attn(x, (8, 8))
    assert out.shape == (1, 64, 16) and significance.shape == (1, 8, 8)
    # padded keys get no attention: 4 windows of real queries each contribute 1
    torch.testing.assert_close(significance.sum(), torch.tensor(4.0 + 4.0))
    # the top-left window's keys see only real queries: equal to the unpadded 7 x 7 attention
    sub = x.view(1, 8, 8, 16)[:, :7, :7].reshape(1, 49, 16)
    with torch.no_grad():
        y_pad, s_pad = attn._local(x, (8, 8))
        y_sub, s_sub = attn._local(sub, (7, 7))
    torch.testing.assert_close(y_pad.view(1, 8, 8, 8)[:, :7, :7].reshape(1, 49, 8), y_sub)
    torch.testing.assert_close(s_pad[:, :7, :7], s_sub)


def _naive_reallocation(module, x, s):
    """Reference: sort, cut at int(N * cumulative fraction), weighted sum per group of r."""
    B, N, C = x.shape
    out = []
    for b in range(B):
        order = sorted(range(N), key=lambda n: (s[b, n].item(), n))
        tokens, start, cum = [], 0, 0.0
        for i, (f, r) in enumerate(zip(module.fractions, module.rates)):
            cum += f
            end = N if i == len(module.rates) - 1 else int(N * cum)
            part = [x[b, n] for n in order[start:end]]
            lin = module.aggregate[i]
            for g in range(0, len(part), r):
                group = part[g : g + r]
                acc = lin.bias.clone().expand(C).clone()
                for w, t in zip(lin.weight[0], group):
                    acc = acc + w * t
                tokens.append(acc)
            start = end
        out.append(torch.stack(tokens))
    return torch.stack(out)


def test_token_reallocation_matches_naive_reference():
    torch.manual_seed(0)
    module = TokenReallocation((0.25, 0.5, 0.25), (4, 2, 1))
    x, s = torch.randn(2, 21, 3), torch.rand(2, 21)  # 5 / 10 / 6 tokens: pads 5 -> 8
    with torch.no_grad():
        out = module(x, s)
        ref = _naive_reallocation(module, x, s)
    assert out.shape == (2, module.num_tokens(21), 3) == (2, 2 + 5 + 6, 3)
    torch.testing.assert_close(out, ref)
    # the keys depend on the significance order only, not on where tokens sit
    perm = torch.randperm(21)
    with torch.no_grad():
        torch.testing.assert_close(module(x[:, perm], s[:, perm]), out)
    with pytest.raises(ValueError, match='sum to 1'):
        TokenReallocation((0.5, 0.25), (2, 1))


def test_self_guided_attention_uses_significance():
    torch.manual_seed(0)
    attn = SelfGuidedAttention(16, 4, fractions=(0.5, 0.5), rates=(4, 1)).eval()
    x = torch.randn(1, 16, 16)
    s = torch.rand(1, 4, 4)
    with torch.no_grad():
        out = attn(x, (4, 4), s)[0]
        assert out.shape == (1, 16, 16)
        assert not torch.allclose(attn(x, (4, 4), 1 - s)[0], out)  # other tokens aggregated
    with pytest.raises(ValueError, match='significance map'):
        attn(x, (4, 4), None)
