"""mmproto/utils/head_swap.py through tools/misc/print_config.py: ``--head dnc|dl2pa|mcc`` on
mmpretrain's ResNet-18 and Swin-T ImageNet configs, a neck that changes the width, bad input."""

import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

import mmproto  # noqa: F401
from mmproto.utils import resolve_config_path, swap_head

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RESNET18 = 'mmpretrain::resnet/resnet18_8xb32_in1k.py'
RESNET50 = 'mmpretrain::resnet/resnet50_8xb32_in1k.py'
SWIN = 'mmpretrain::swin_transformer/swin-tiny_16xb64_in1k.py'
HOOKS = {
    'dnc': ['SubCentroidUpdateHook', 'LatestTrainingStateHook'],
    'dl2pa': ['PrototypePrecomputeHook', 'LabelPrototypeAssignmentHook'],
    'mcc': [],
}
HEADS = {'dnc': 'DNCHead', 'dl2pa': 'HypersphericalHead', 'mcc': 'MultiCenterClsHead'}


def _print_config():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        'print_config', osp.join(REPO, 'tools', 'misc', 'print_config.py')
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _build(cfg: Config):
    from mmpretrain.registry import MODELS

    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(cfg.model)


@pytest.mark.parametrize('method', ['dnc', 'dl2pa', 'mcc'])
@pytest.mark.parametrize('base, width', [(RESNET18, 512), (SWIN, 768)])
def test_head_swap_builds_the_method(method, base, width, capsys):
    tool = _print_config()
    original = Config.fromfile(tool.resolve_config_path(base))
    # a DNC memory of 1000 global batches would allocate ~0.5-3 GB: shrink it after the swap
    opts = ['model.head.memory_size=32'] if method == 'dnc' else ['model.head.topk=(1,)']
    cfg = tool.main([base, '--head', method, '--cfg-options', *opts])
    assert f"type='{HEADS[method]}'" in capsys.readouterr().out  # the printed config
    head = cfg.model.head
    assert head.type == HEADS[method]
    assert (head.num_classes, head.in_channels) == (1000, width)
    assert [h.type for h in cfg.custom_hooks] == HOOKS[method]
    for key in ('type', 'backbone', 'neck', 'init_cfg'):  # kept
        assert cfg.model.get(key) == original.model.get(key)
    for key in ('data_preprocessor', 'train_dataloader', 'optim_wrapper', 'param_scheduler'):
        assert cfg[key] == original[key]
    assert cfg.train_cfg == original.train_cfg
    if method == 'dnc':
        assert head.memory_size == 32  # --cfg-options after the swap
        assert cfg.model.train_cfg is None  # no Mixup / CutMix (Swin's base has both)
        swapped = Config.fromfile(tool.resolve_config_path(base))
        swap_head(swapped, 'dnc')  # memory_batches x auto_scale_lr.base_batch_size
        base_batch = original.auto_scale_lr.base_batch_size
        assert swapped.model.head.memory_size == 1000 * base_batch
    else:
        assert head.topk == (1,)
        assert cfg.model.get('train_cfg') == original.model.get('train_cfg')  # augments kept
    if method == 'mcc':  # merged into the replaced head: its loss and init are kept
        loss = dict(original.model.head.loss)
        if loss['type'] == 'CrossEntropyLoss':  # ResNet: the soft multi-center labels need
            loss['use_soft'] = True
        else:  # Swin: LabelSmoothLoss as it was
            assert loss['type'] == 'LabelSmoothLoss'
        assert head.loss == loss
        assert head.get('init_cfg') == original.model.head.get('init_cfg')

    model = _build(cfg)
    state = model.head.state_dict()
    if method == 'dnc':
        assert state['classifier.bank.prototypes'].shape == (1000, 4, width)
        assert state['classifier.bank.memory.features'].shape == (32, width)
    elif method == 'dl2pa':
        assert state['prototypes'].shape == (1000, width)
    else:
        assert state['fc.weight'].shape == (1000, width)
        assert state['log_var'].shape == (1000, width)


def _tiny(**head) -> Config:
    cfg = Config.fromfile(osp.join(REPO, 'tests', 'data', 'configs', 'tiny_cls.py'))
    cfg.model.head.update(head)
    return cfg


def test_neck_that_changes_the_width():
    cfg = _tiny(in_channels=16)
    cfg.model.neck = dict(
        type='LinearNeck', in_channels=120, out_channels=16, gap_dim=2, norm_cfg=None
    )
    swap_head(cfg, 'dnc')
    assert (cfg.model.head.in_channels, cfg.model.head.num_classes) == (16, 3)
    assert cfg.model.head.memory_size == 1000 * 4  # auto_scale_lr.base_batch_size=4
    cfg.model.head.memory_size = 8
    model = _build(cfg).eval()
    with torch.no_grad():
        feats = model.extract_feat(torch.zeros(2, 1, 32, 32))
        assert model.head(feats).shape == (2, 3)
    assert model.head.classifier.bank.prototypes.shape == (3, 4, 16)


def test_existing_hooks_are_kept_and_not_duplicated():
    cfg = _tiny()
    cfg.custom_hooks = [dict(type='EMAHook'), dict(type='LabelPrototypeAssignmentHook')]
    swap_head(cfg, 'dl2pa')
    assert [h['type'] for h in cfg.custom_hooks] == [
        'EMAHook',
        'LabelPrototypeAssignmentHook',
        'PrototypePrecomputeHook',
    ]


def test_bad_input_names_the_field():
    with pytest.raises(ValueError, match=r"--head 'arcface': choose one of \['dl2pa', 'dnc'"):
        swap_head(_tiny(), 'arcface')
    cfg = _tiny()
    del cfg.model['head']
    with pytest.raises(ValueError, match='no model.head to replace'):
        swap_head(cfg, 'dnc')
    cfg = _tiny()
    del cfg.model.head['num_classes']
    with pytest.raises(ValueError, match=r'model.head.num_classes=None must be a positive int'):
        swap_head(cfg, 'mcc')
    with pytest.raises(ValueError, match=r'model.head.in_channels=\[8, 16\]'):
        swap_head(_tiny(in_channels=[8, 16]), 'dnc')
    with pytest.raises(ValueError, match=r"model.head.type='DeiTClsHead' is not a head of one"):
        swap_head(_tiny(type='DeiTClsHead'), 'dl2pa')
    seg = Config.fromfile(osp.join(REPO, 'tests', 'data', 'configs', 'tiny_seg.py'))
    with pytest.raises(ValueError, match=r"default_scope='mmseg': the head swap works on mmp"):
        swap_head(seg, 'dnc')
    cfg = _tiny()
    cfg.auto_scale_lr = None
    cfg.train_dataloader.batch_size = None
    with pytest.raises(ValueError, match='memory_batches needs auto_scale_lr.base_batch_size'):
        swap_head(cfg, 'dnc')


@pytest.mark.parametrize(
    'base, method, config',
    [
        (RESNET50, 'dnc', 'dnc/dnc_resnet50_8xb32_in1k.py'),
        (
            'mcc/linear_resnet50_8xb128-300e-ls_in1k.py',
            'mcc',
            'mcc/mcc_resnet50_8xb128-300e-ls_in1k.py',
        ),
        ('mcc/linear_resnet50_8xb128-300e_in1k.py', 'mcc', 'mcc/mcc_resnet50_8xb128-300e_in1k.py'),
        (
            'mcc/linear_swin-tiny_8xb128-300e-ls-mixup_in1k.py',
            'mcc',
            'mcc/mcc_swin-tiny_8xb128-300e-ls-mixup_in1k.py',
        ),
    ],
)
def test_swap_reproduces_the_method_configs(base, method, config):
    """The swap of a linear config is the method's hand-written config of the same recipe."""
    path = base if '::' in base else osp.join(REPO, 'configs', base)
    swapped = swap_head(Config.fromfile(resolve_config_path(path)), method)
    written = Config.fromfile(osp.join(REPO, 'configs', config))
    head = {k: v for k, v in written.model.head.items() if k != '_delete_'}
    if method == 'dnc':  # the written config spells out DNCHead's defaults; the swap does not
        import inspect

        from mmproto.models.heads.dnc_head import DNCHead
        from mmproto.models.utils import SubCentroidBank

        bank = inspect.signature(SubCentroidBank.__init__).parameters  # DNCHead forwards these
        for key in ('num_subcentroids', 'momentum', 'sinkhorn_eps', 'sinkhorn_iters'):
            assert head.pop(key) == bank[key].default
        assert head.pop('memory_dtype') == bank['memory_dtype'].default
        assert head.pop('loss') == inspect.signature(DNCHead.__init__).parameters['loss'].default
    assert swapped.model.head.to_dict() == head
    assert swapped.model.get('train_cfg') == written.model.get('train_cfg')
    hooks = [h['type'] for h in written.get('custom_hooks', [])]
    assert [h['type'] for h in swapped.custom_hooks] == hooks
