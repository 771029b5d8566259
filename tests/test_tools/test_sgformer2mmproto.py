"""tools/model_converters/sgformer2mmproto.py: official SG-Former keys -> mmproto SGFormer."""

import importlib.util
import os.path as osp
import re
import sys

import pytest
import torch

from mmproto.models.backbones import SGFormer

TOOL = osp.join(
    osp.dirname(__file__), '..', '..', 'tools', 'model_converters', 'sgformer2mmproto.py'
)

# official name (github.com/OliverRensu/SG-Former, sgformer.py) -> mmpretrain ImageClassifier name
PAIRS = {
    'pos_embed': 'backbone.pos_embed',
    'patch_embed1.conv.4.c.weight': 'backbone.stem.convs.4.0.weight',
    'patch_embed1.conv.2.bn.bias': 'backbone.stem.convs.2.1.bias',
    'patch_embed1.norm.weight': 'backbone.stem.norm.weight',
    'patch_embed3.conv2.c.weight': 'backbone.downsamples.1.convs.2.0.weight',
    'patch_embed4.conv3.bn.weight': 'backbone.downsamples.2.convs.4.1.weight',
    'norm4.bias': 'backbone.norms.3.bias',
    'block1.0.attn.q1.weight': 'backbone.stages.0.0.attn.q_global.weight',
    'block1.0.attn.kv2.bias': 'backbone.stages.0.0.attn.kv_local.bias',
    'block1.0.attn.norm.weight': 'backbone.stages.0.0.attn.sr_norm.weight',
    'block1.0.attn.sr.weight': 'backbone.stages.0.0.attn.sr.weight',
    'block2.1.attn.kv1.weight': 'backbone.stages.1.1.attn.kv_row.weight',
    'block2.1.attn.f3.bias': 'backbone.stages.1.1.attn.reallocation.aggregate.2.bias',
    'block3.3.attn.q.weight': 'backbone.stages.2.3.attn.q.weight',
    'block3.2.attn.lepe_conv.weight': 'backbone.stages.2.2.attn.lepe.conv.weight',
    'block4.0.attn.kv.weight': 'backbone.stages.3.0.attn.kv.weight',
    'block4.0.mlp.dwconv.dwconv.bias': 'backbone.stages.3.0.ffn.dwconv.bias',
    'block4.0.mlp.fc2.weight': 'backbone.stages.3.0.ffn.fc2.weight',
    'block2.0.norm1.weight': 'backbone.stages.1.0.norm1.weight',
    'head.weight': 'head.fc.weight',
}


def _load_tool():
    spec = importlib.util.spec_from_file_location('sgformer2mmproto', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _official_name(key):
    """Reference inverse for SGFormer keys (backbone only), written from the pairs above."""
    k = key[len('backbone.') :]
    if k == 'pos_embed':
        return k
    m = re.fullmatch(r'stem\.convs\.(\d)\.(\d)\.(\w+)', k)
    if m:
        return f'patch_embed1.conv.{m[1]}.{"c" if m[2] == "0" else "bn"}.{m[3]}'
    if k.startswith('stem.norm.'):
        return 'patch_embed1.norm.' + k.split('.')[-1]
    m = re.fullmatch(r'downsamples\.(\d)\.convs\.(\d)\.(\d)\.(\w+)', k)
    if m:
        c = 'c' if m[3] == '0' else 'bn'
        return f'patch_embed{int(m[1]) + 2}.conv{int(m[2]) // 2 + 1}.{c}.{m[4]}'
    m = re.fullmatch(r'norms\.(\d)\.(\w+)', k)
    if m:
        return f'norm{int(m[1]) + 1}.{m[2]}'
    m = re.fullmatch(r'stages\.(\d)\.(\d+)\.(.+)', k)
    rest = m[3].replace('ffn.dwconv.', 'mlp.dwconv.dwconv.').replace('ffn.fc', 'mlp.fc')
    rest = rest.replace('attn.lepe.linear.', 'attn.lepe_linear.')
    rest = rest.replace('attn.lepe.conv.', 'attn.lepe_conv.')
    for new, old in [
        ('q_global', 'q1'),
        ('kv_global', 'kv1'),
        ('q_local', 'q2'),
        ('kv_local', 'kv2'),
        ('sr_norm', 'norm'),
        ('kv_row', 'kv1'),
        ('kv_col', 'kv2'),
        ('reallocation.aggregate.0', 'f1'),
        ('reallocation.aggregate.1', 'f2'),
        ('reallocation.aggregate.2', 'f3'),
    ]:
        rest = rest.replace(f'attn.{new}.', f'attn.{old}.')
    return f'block{int(m[1]) + 1}.{m[2]}.{rest}'


def test_rename_official_keys():
    tool = _load_tool()
    assert {k: tool.rename(k) for k in PAIRS} == PAIRS
    with pytest.raises(KeyError, match='unknown SG-Former key'):
        tool.rename('cls_token')


def test_convert_round_trip_and_errors(tmp_path):
    tool = _load_tool()
    torch.manual_seed(0)
    model = SGFormer('s')
    official = {_official_name('backbone.' + k): v for k, v in model.state_dict().items()}
    official['head.weight'] = torch.randn(1000, 512)
    official['head.bias'] = torch.zeros(1000)
    src = tmp_path / 'official.pth'
    torch.save({'model': official}, src)
    dst = tmp_path / 'mmproto.pth'
    argv = sys.argv
    sys.argv = ['sgformer2mmproto.py', str(src), str(dst)]
    try:
        tool.main()
    finally:
        sys.argv = argv
    out = torch.load(dst, weights_only=True)
    assert out['meta']['sgformer_arch'] == 's'
    state = out['state_dict']
    assert torch.equal(state['head.fc.weight'], official['head.weight'])
    for k, v in model.state_dict().items():
        assert torch.equal(state['backbone.' + k], v), k
    # a checkpoint of another size fails the strict load with the offending tensor named
    bad = dict(official)
    bad['block1.0.attn.q1.weight'] = torch.zeros(3, 3)
    with pytest.raises(RuntimeError, match='stages.0.0.attn.q_global.weight'):
        tool.convert(bad)
    with pytest.raises(ValueError, match='depths'):
        tool.convert({k: v for k, v in official.items() if not k.startswith('block4.')})
