"""The recipes the paper-schedule studies train: each arm's resolved config (no training)."""

import pytest
from mmengine.config import Config

from mmproto.analysis import get_study
from mmproto.analysis.study import Run, write_run_config


def resolved(name: str, group: str, arm: str, tmp_path, smoke: bool = False) -> Config:
    study = get_study(name)
    (chosen,) = [a for a in study.arms if a.group == group and a.name == arm]
    return Config.fromfile(write_run_config(study, Run(chosen, 0, str(tmp_path)), smoke))


def hooks(cfg: Config) -> dict:
    return {h['type']: h for h in cfg.get('custom_hooks', [])}


def test_dnc_induction_200e_trains_the_table13_schedule(tmp_path):
    study = get_study('dnc-induction-200e')
    assert [a.name for a in study.arms] == ['linear', 'dnc-paper', 'dnc-k1']
    assert study.seeds == (0, 1, 2)
    for arm in ('linear', 'dnc-paper', 'dnc-k1'):
        cfg = resolved('dnc-induction-200e', '', arm, tmp_path / arm)
        # mmpretrain resnet50_8xb16_cifar100.py, the base of the Table 13 configs
        opt = cfg.optim_wrapper.optimizer
        assert (opt.type, opt.lr, opt.momentum, opt.weight_decay) == ('SGD', 0.1, 0.9, 5e-4)
        assert not opt.get('nesterov', False)
        assert cfg.param_scheduler == dict(
            type='MultiStepLR', by_epoch=True, milestones=[60, 120, 160], gamma=0.2
        )
        assert cfg.train_cfg.max_epochs == 200 and cfg.train_cfg.val_interval == 10
        assert cfg.train_dataloader.batch_size == 128
        assert cfg.train_dataloader.dataset.dataset.indices == 12000
        metrics = {m['type']: m for m in cfg.val_evaluator}
        assert metrics['SubsetAccuracy'] == dict(type='SubsetAccuracy', prefix='train')
        assert {'InductionAccuracy', 'NeuralCollapse'} <= set(metrics)
    head = cfg.model.head  # dnc-k1
    assert head.type == 'DNCHead' and head.num_subcentroids == 1
    paper = resolved('dnc-induction-200e', '', 'dnc-paper', tmp_path / 'p').model.head
    assert (paper.num_subcentroids, paper.momentum, paper.memory_size) == (4, 0.999, 12800)
    assert paper.logit_norm == 'layernorm'
    assert 'train/top1' in [m.key for m in study.metrics]
    smoke = resolved('dnc-induction-200e', '', 'dnc-paper', tmp_path / 's', smoke=True)
    assert smoke.train_cfg.max_epochs == 1 and smoke.train_cfg.val_interval == 1


@pytest.mark.parametrize('group', ['LT 0.01', 'LT 0.1'])
def test_dl2pa_lt_200e_arms_share_the_long_tail_recipe(group, tmp_path):
    factor = float(group.split()[1])
    cfgs = {
        arm: resolved('dl2pa-lt-200e', group, arm, tmp_path / arm)
        for arm in ('dl2pa-paper', 'dl2pa-iter', 'psc', 'etf', 'linear')
    }
    for arm, cfg in cfgs.items():
        opt = cfg.optim_wrapper.optimizer
        assert (opt.lr, opt.momentum, opt.weight_decay) == (0.1, 0.9, 2e-4), arm
        assert not opt.get('nesterov', False)
        assert [s['type'] for s in cfg.param_scheduler] == ['LinearLR', 'MultiStepLR']
        assert cfg.param_scheduler[0]['end'] == 5
        assert cfg.param_scheduler[1]['milestones'] == [160, 180]
        assert cfg.train_cfg.max_epochs == 200
        assert cfg.model.train_cfg.augments == dict(type='Mixup', alpha=1.0), arm
        data = cfg.train_dataloader.dataset
        assert (data.type, data.imbalance_factor, data.n_max) == ('LongTailDataset', factor, 3000)
    for arm in ('dl2pa-paper', 'dl2pa-iter', 'psc', 'etf'):
        head = cfgs[arm].model.head
        assert head.type == 'HypersphericalHead' and head.norm_cfg == dict(type='BN1d')
        assert head.loss.mode == 'dr'
    assign = {a: hooks(cfgs[a]).get('LabelPrototypeAssignmentHook') for a in cfgs}
    assert assign['dl2pa-paper'] == dict(type='LabelPrototypeAssignmentHook', updates_per_epoch=1)
    assert assign['dl2pa-iter'] == dict(type='LabelPrototypeAssignmentHook', interval=1)
    assert assign['psc'] is None and assign['etf'] is None and assign['linear'] is None
    assert not cfgs['psc'].model.head.dynamic_assignment
    assert hooks(cfgs['psc'])['PrototypePrecomputeHook']['method'] == 'uniformity'
    assert hooks(cfgs['etf'])['PrototypePrecomputeHook']['method'] == 'etf'
    linear = cfgs['linear'].model.head
    assert linear.type == 'LinearClsHead' and linear.loss.use_soft


def test_dl2pa_study_lt_arms_use_the_long_tail_recipe_at_its_length(tmp_path):
    lt = resolved('dl2pa', 'LT 0.01', 'dl2pa-iter', tmp_path / 'lt')
    assert lt.model.head.norm_cfg == dict(type='BN1d') and lt.model.head.loss.mode == 'dr'
    assert lt.model.train_cfg.augments.type == 'Mixup'
    assert lt.param_scheduler == dict(type='CosineAnnealingLR', by_epoch=True, T_max=3)
    assert lt.train_cfg.max_epochs == 3
    linear = resolved('dl2pa', 'LT 0.1', 'linear', tmp_path / 'lin')
    assert linear.model.train_cfg.augments.type == 'Mixup'
    assert linear.optim_wrapper.optimizer.lr == lt.optim_wrapper.optimizer.lr == 0.1
    balanced = resolved('dl2pa', 'd=3', 'dl2pa-iter', tmp_path / 'bal')  # balanced recipe
    assert balanced.model.head.get('norm_cfg') is None and balanced.model.head.loss.mode == 'hpn'
    assert balanced.optim_wrapper.optimizer.lr == 0.01 and balanced.model.get('train_cfg') is None
    smoke = resolved('dl2pa', 'LT 0.01', 'psc', tmp_path / 's', smoke=True)
    assert smoke.param_scheduler.T_max == 1 and smoke.train_cfg.max_epochs == 1


def test_mcc_10seeds_judges_the_paper_gain(tmp_path):
    study = get_study('mcc-10seeds')
    assert study.seeds == tuple(range(10))
    assert study.claims == {('mcc-code', 'linear'): 0.3, ('mcc-code', 'label-smooth'): 0.3}
    assert study.groups == ['balanced', 'LT 0.01']
    mcc = resolved('mcc-10seeds', 'LT 0.01', 'mcc-code', tmp_path / 'm')
    assert mcc.model.head.std_scale == 0.1 and mcc.train_cfg.max_epochs == 10
    assert mcc.param_scheduler.T_max == 10
    ls = resolved('mcc-10seeds', 'balanced', 'label-smooth', tmp_path / 'ls')
    assert ls.model.head.loss == dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original')
    assert ls.train_dataloader.dataset.indices == 12000
