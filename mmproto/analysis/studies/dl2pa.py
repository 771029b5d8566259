"""``dl2pa``: dynamic label-to-prototype assignment vs the same prototypes fixed (PSC), ETF, linear.

DL2PA's claim (Tables 1-3, Fig. 4): re-solving the assignment (Eq. 9) beats a fixed assignment
of the same uniformity prototypes, most for d < C and for long-tailed data. Groups: d = 2, 3, 5
(a ``LinearNeck`` from the 120-d LeNet-5 features; ETF needs d >= C - 1 and is left out) on 12k
balanced images with the balanced recipe (no norm before the l2, loss ``hpn``, lr 0.01), and
d = 120 on long-tailed subsets (imbalance 0.01, 0.1) with the long-tail recipe of the paper's
Tables 4-6 (h = l2(BN(f)), DR loss with per-batch class weights, Mixup, SGD lr 0.1, wd 2e-4; the
linear head with the same Mixup and optimizer: the arms of ``dl2pa-lt-200e``) over this study's
3-epoch cosine schedule. Arms:
``dl2pa-iter`` (assignment updated every iteration: the quick-start config),
``dl2pa-paper`` (once per epoch, tau' = 1, the paper), ``psc`` (the same prototypes, identity
assignment), ``etf`` (simplex ETF, fixed), ``linear``. The number of classes that change
prototype is logged at every update (log) and summed per epoch (scalars).
"""

from ..study import Arm, Metric, Study
from ._fashion_mnist import (
    LINEAR,
    LONG_TAIL_SMOKE,
    balanced,
    linear_neck,
    long_tailed,
    schedule,
)
from .dl2pa_lt_200e import CLASSES_MOVED, lt_arms

# 22 arms x 3 seeds: 3 epochs keep the study within ~30 min on 2 cores (a run of 5 epochs
# takes ~2 min there when the cores are shared)
EPOCHS = 3

DL2PA = 'configs/dl2pa/dl2pa_lenet5_1xb128_fashion-mnist.py'
UNIFORMITY = dict(type='PrototypePrecomputeHook', method='uniformity', seed=0)
PAPER_HOOKS = [UNIFORMITY, dict(type='LabelPrototypeAssignmentHook', updates_per_epoch=1)]
# the long-tail recipe's configs bring a warm-up + step schedule over 200 epochs: replaced by the
# study's cosine over EPOCHS (optimizer, model, loss and Mixup stay the long-tail recipe's)
LT_SCHEDULE = dict(
    param_scheduler=dict(_delete_=True, type='CosineAnnealingLR', by_epoch=True, T_max=EPOCHS),
    train_cfg=dict(max_epochs=EPOCHS, val_interval=1),
)


def _group_arms(group, data, dim):
    neck = dict(neck=linear_neck(dim))

    def model(**head_fields):
        return dict(model=dict(neck, head=dict(in_channels=dim, **head_fields)))

    yield Arm('dl2pa-iter', DL2PA, {**data, **model()}, group)
    yield Arm('dl2pa-paper', DL2PA, {**data, **model(), 'custom_hooks': PAPER_HOOKS}, group)
    fixed = model(dynamic_assignment=False)
    yield Arm('psc', DL2PA, {**data, **fixed, 'custom_hooks': [UNIFORMITY]}, group)
    yield Arm('linear', LINEAR, {**data, **model()}, group)


def _arms():
    for dim in (2, 3, 5):
        yield from _group_arms(f'd={dim}', balanced(), dim)
    for factor in (0.01, 0.1):
        data = {**long_tailed(factor), **LT_SCHEDULE}
        yield from lt_arms(f'LT {factor}', data, LONG_TAIL_SMOKE)


STUDY = Study(
    name='dl2pa',
    arms=tuple(_arms()),
    metrics=(
        Metric('accuracy/top1', 'top-1'),
        *CLASSES_MOVED,
    ),
    methods=('dl2pa-iter', 'dl2pa-paper'),
    baselines=('psc', 'etf', 'linear'),
    overrides=schedule(EPOCHS),
    description=(
        f'DL2PA vs the same uniformity prototypes with a fixed (identity) assignment (PSC), a '
        f'fixed simplex ETF and a linear head on Fashion-MNIST, LeNet-5 features, {EPOCHS} '
        'epochs of the quick-start schedule (SGD + cosine). d=2/3/5, balanced recipe: LinearNeck '
        '120 -> d, first 12k training images; DL2PA / PSC: hpn loss, lr 0.01; linear: CE, lr '
        '0.05. LT f, long-tail recipe: d = 120, long-tailed subset (imbalance f, head class '
        '3000) of the 60k; DL2PA / PSC / ETF: l2(BN(f)), DR loss with per-batch class weights; '
        'linear: soft-target CE; all with Mixup alpha 1, lr 0.1, wd 2e-4. Test = the 10k test set. '
        "dl2pa-iter: assignment updated every iteration; dl2pa-paper: once per epoch (tau' = 1)."
    ),
)
