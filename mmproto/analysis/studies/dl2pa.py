"""``dl2pa``: dynamic label-to-prototype assignment vs the same prototypes fixed (PSC), ETF, linear.

DL2PA's claim (Tables 1-3, Fig. 4): re-solving the assignment (Eq. 9) beats a fixed assignment
of the same uniformity prototypes, most for d < C and for long-tailed data. Groups: d = 2, 3, 5
(a ``LinearNeck`` from the 120-d LeNet-5 features; ETF needs d >= C - 1 and is left out) on 12k
balanced images, and d = 120 on long-tailed subsets (imbalance 0.01, 0.1). Arms:
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

# 22 arms x 3 seeds: 3 epochs keep the study within ~30 min on 2 cores (a run of 5 epochs
# takes ~2 min there when the cores are shared)
EPOCHS = 3

DL2PA = 'configs/dl2pa/dl2pa_lenet5_1xb128_fashion-mnist.py'
UNIFORMITY = dict(type='PrototypePrecomputeHook', method='uniformity', seed=0)
PAPER_HOOKS = [UNIFORMITY, dict(type='LabelPrototypeAssignmentHook', updates_per_epoch=1)]


def _group_arms(group, data, dim=None, smoke=None):
    neck = {} if dim is None else dict(neck=linear_neck(dim))
    head = {} if dim is None else dict(in_channels=dim)

    def model(**head_fields):
        return dict(model=dict(neck, head=dict(head, **head_fields)))

    yield Arm('dl2pa-iter', DL2PA, {**data, **model()}, group, smoke or {})
    yield Arm(
        'dl2pa-paper', DL2PA, {**data, **model(), 'custom_hooks': PAPER_HOOKS}, group, smoke or {}
    )
    fixed = model(dynamic_assignment=False)
    yield Arm('psc', DL2PA, {**data, **fixed, 'custom_hooks': [UNIFORMITY]}, group, smoke or {})
    if dim is None:  # simplex ETF: d >= C - 1
        etf = [dict(type='PrototypePrecomputeHook', method='etf', seed=0)]
        yield Arm('etf', DL2PA, {**data, **fixed, 'custom_hooks': etf}, group, smoke or {})
    yield Arm('linear', LINEAR, {**data, **model()}, group, smoke or {})


def _arms():
    for dim in (2, 3, 5):
        yield from _group_arms(f'd={dim}', balanced(), dim)
    for factor in (0.01, 0.1):
        yield from _group_arms(f'LT {factor}', long_tailed(factor), smoke=LONG_TAIL_SMOKE)


STUDY = Study(
    name='dl2pa',
    arms=tuple(_arms()),
    metrics=(
        Metric('accuracy/top1', 'top-1'),
        Metric('assignment_changed', 'classes moved', reduce='sum', fmt='.1f'),
        Metric('assignment_cos', 'cos(z_c, w_A(c))', fmt='.3f'),
        Metric(
            'changed_per_update',
            'classes moved per update',
            reduce='max',
            log_pattern=r'LabelPrototypeAssignmentHook: .*?(\d+)/\d+ classes changed',
            fmt='.1f',
        ),
    ),
    methods=('dl2pa-iter', 'dl2pa-paper'),
    baselines=('psc', 'etf', 'linear'),
    overrides=schedule(EPOCHS),
    description=(
        f'DL2PA vs the same uniformity prototypes with a fixed (identity) assignment (PSC), a '
        f'fixed simplex ETF and a linear head on Fashion-MNIST, LeNet-5 features, {EPOCHS} '
        'epochs of the quick-start schedule (DL2PA / PSC / ETF: hpn loss, lr 0.01; linear: CE, '
        'lr 0.05). d=2/3/5: LinearNeck 120 -> d, first 12k training images; LT f: d = 120, '
        'long-tailed subset (imbalance f, head class 3000) of the 60k; test = the 10k test set. '
        "dl2pa-iter: assignment updated every iteration; dl2pa-paper: once per epoch (tau' = 1)."
    ),
)
