"""``dl2pa-lt-200e``: DL2PA's long-tailed claim with the paper's long-tail recipe (Tables 4-6).

DL2PA's claim (Tables 4-6): on long-tailed data, re-solving the label-to-prototype assignment
beats fixed prototypes (ETF) and the linear softmax classifier. Its long-tailed rows are trained
with the official long-tail recipe (notes §2.4): h = l2(BN(f)), the DR loss with per-batch class
weights, Mixup alpha 1, SGD lr 0.1, wd 2e-4, 200 epochs with a 5-epoch warm-up and lr / 10 at
160 and 180 (``configs/dl2pa/dl2pa_lenet5_1xb128-200e-mixup_fashion-mnist-lt.py``, the LeNet-5
version of the CIFAR-10-LT paper-row configs). Groups: Fashion-MNIST-LT with imbalance 0.01 and
0.1 (head class 3000 of the 60k training images: 7.4k / 12.3k images, as the ``dl2pa`` study's
LT groups); test = the 10k test set, evaluated every 10 epochs.

Arms: ``dl2pa-paper`` (assignment once per epoch, tau' = 1, the paper), ``dl2pa-iter``
(assignment after every iteration), ``psc`` (the same uniformity prototypes, fixed identity
assignment), ``etf`` (simplex ETF, fixed), ``linear`` (linear softmax head, soft-target
cross-entropy, the same schedule and Mixup:
``linear_lenet5_1xb128-200e-mixup_fashion-mnist-lt.py``).
Classes moved: per validation interval (sum over the run) and per update (from the log).

Wall time, estimated (not yet run): about 1 h 25 min with ``--jobs 2`` on an idle 2-core CPU
(5 arms x 2 groups x 3 seeds = 30 runs; 59 / 96 iterations per epoch (LT 0.01 / 0.1), 200
epochs, 20 evaluations). Measured as CPU seconds of the training process (data loading
in-process, so independent of the load of the shared CPU): ``dl2pa-iter`` on LT 0.1, 10 s
start-up + 1.9 s per epoch (20 ms per iteration, Hungarian step included) + ~1 s per
evaluation = ~410 s per run (LT 0.01: ~265 s); 10.1k CPU s in all / 2 cores.
"""

from ..study import Arm, Metric, Study
from ._fashion_mnist import LONG_TAIL_SMOKE, long_tailed

DL2PA = 'configs/dl2pa/dl2pa_lenet5_1xb128-200e-mixup_fashion-mnist-lt.py'
LINEAR = 'configs/dl2pa/linear_lenet5_1xb128-200e-mixup_fashion-mnist-lt.py'
UNIFORMITY = dict(type='PrototypePrecomputeHook', method='uniformity', seed=0)
ETF = dict(type='PrototypePrecomputeHook', method='etf', seed=0)
FIXED = dict(model=dict(head=dict(dynamic_assignment=False)))


def lt_arms(group: str, data: dict, smoke: dict):
    """The DL2PA / PSC / ETF / linear arms of one long-tailed group, the long-tail recipe."""
    every_iter = [UNIFORMITY, dict(type='LabelPrototypeAssignmentHook', interval=1)]
    yield Arm('dl2pa-paper', DL2PA, data, group, smoke)  # the config: tau' = 1
    yield Arm('dl2pa-iter', DL2PA, {**data, 'custom_hooks': every_iter}, group, smoke)
    yield Arm('psc', DL2PA, {**data, **FIXED, 'custom_hooks': [UNIFORMITY]}, group, smoke)
    yield Arm('etf', DL2PA, {**data, **FIXED, 'custom_hooks': [ETF]}, group, smoke)
    yield Arm('linear', LINEAR, data, group, smoke)


CLASSES_MOVED = (
    Metric('assignment_changed', 'classes moved', reduce='sum', fmt='.1f'),
    Metric('assignment_cos', 'cos(z_c, w_A(c))', fmt='.3f'),
    Metric(
        'changed_per_update',
        'classes moved per update',
        reduce='max',
        log_pattern=r'LabelPrototypeAssignmentHook: .*?(\d+)/\d+ classes changed',
        fmt='.1f',
    ),
)

STUDY = Study(
    name='dl2pa-lt-200e',
    arms=tuple(
        arm
        for factor in (0.01, 0.1)
        for arm in lt_arms(f'LT {factor}', long_tailed(factor), LONG_TAIL_SMOKE)
    ),
    metrics=(Metric('accuracy/top1', 'top-1'), *CLASSES_MOVED),
    methods=('dl2pa-paper', 'dl2pa-iter'),
    baselines=('psc', 'etf', 'linear'),
    smoke_overrides=dict(train_cfg=dict(max_epochs=1, val_interval=1)),
    description=(
        'DL2PA vs the same uniformity prototypes with a fixed assignment (PSC), a fixed '
        'simplex ETF and a linear head on long-tailed Fashion-MNIST (imbalance f, head class '
        '3000 of the 60k training images), LeNet-5 features (d = 120), all with the long-tail '
        'recipe of the DL2PA Tables 4-6 configs: h = l2(BN(f)) and the DR loss with per-batch '
        'class weights (prototype heads) or soft-target cross-entropy (linear), Mixup alpha 1, '
        'SGD lr 0.1, wd 2e-4, batch 128, 200 epochs, 5-epoch warm-up, lr / 10 at 160 and 180; '
        "test = the 10k test set. dl2pa-paper: assignment once per epoch (tau' = 1); "
        'dl2pa-iter: after every iteration.'
    ),
)
