"""``dnc-induction-200e``: sub-category discovery at the paper's CIFAR-20 schedule (DNC Table 13).

DNC's argument (App. E): a linear head trained long enough collapses each class's features
(the terminal phase: train accuracy ~100 %, NC1 falling), merging its sub-classes, while DNC's
sub-centroids keep them apart, so DNC's 1-NN accuracy on the fine classes overtakes the linear
head's (+14 points on CIFAR-20 -> 100 after 200 epochs). The ``dnc-induction`` study stopped at
30 epochs, where the linear head had not collapsed. This one trains the setting of
``dnc-induction`` (the 3 Fashion-MNIST coarse groups, first 12k training images, LeNet-5, 1-NN
of 5k test queries among 5k training images) with the schedule of the paper's Table 13 configs:
200 epochs, SGD lr 0.1, wd 5e-4, lr x 0.2 at 60 / 120 / 160 (``*-200e_fashion-mnist-coarse3.py``).
Every 10 epochs: induction 1-NN, coarse top-1 (test), train top-1 (the 5k gallery training
images), NC1 on the coarse and the fine labels, and DNC's sub-centroid use.

Arms: ``linear``; ``dnc-paper`` (K = 4, mu = 0.999, memory of 100 batches, LN_C: the paper /
official values); ``dnc-k1``: the ``dnc-induction`` arm closest to linear (10 epochs: Δ = -2.25
vs -2.35 for ``dnc-temperature`` and -4.5 to -5.7 for the others; its 30-epoch group held only
linear and dnc-paper).

Wall time, estimated (not yet run): about 50 min with ``--jobs 2`` on an idle 2-core CPU (3 arms
x 3 seeds, 200 epochs of 94 iterations and 20 evaluations per run). Measured as CPU seconds of
the training process (data loading in-process, so independent of the load of the shared CPU):
``dnc-paper`` 9 s start-up + 3.3 s per epoch + ~1.5 s per evaluation = ~700 s per run; the
MCC quick start's 2.1 s per epoch stands in for ``linear`` (~440 s); 5.5k CPU s in all / 2
cores.
"""

from ..study import Arm, Metric, Study
from .dnc_induction import (
    DATA,
    GALLERY_SIZE,
    INDUCTION,
    NC1,
    QUERY_SIZE,
    SUBCENTROID_USE,
    SUBCLASS_SHARE,
    TRAIN_SIZE,
)

LINEAR = 'configs/dnc/lenet5_1xb128-200e_fashion-mnist-coarse3.py'
DNC = 'configs/dnc/dnc_lenet5_1xb128-200e_fashion-mnist-coarse3.py'

STUDY = Study(
    name='dnc-induction-200e',
    arms=(
        Arm('linear', LINEAR),
        Arm('dnc-paper', DNC),
        Arm('dnc-k1', DNC, dict(model=dict(head=dict(num_subcentroids=1)))),
    ),
    metrics=(
        INDUCTION,
        Metric('induction/coarse_top1', 'top-1 (3 coarse, test)'),
        Metric('train/top1', 'train top-1 (3 coarse, 5k gallery)'),
        *NC1,
        SUBCLASS_SHARE,
        *SUBCENTROID_USE,
    ),
    methods=('dnc-paper', 'dnc-k1'),
    baselines=('linear',),
    overrides=DATA,
    smoke_overrides=dict(train_cfg=dict(max_epochs=1, val_interval=1)),
    smoke_train_size=256,
    smoke_val_size=100,
    description=(
        f'Fashion-MNIST, 3 coarse groups, first {TRAIN_SIZE // 1000}k training images, LeNet-5 '
        '(120-d), batch 128, the schedule of the DNC Table 13 (CIFAR-20) configs: 200 epochs, '
        'SGD lr 0.1, momentum 0.9, wd 5e-4, lr x 0.2 at epochs 60 / 120 / 160; evaluated every '
        f'10 epochs. Induction: 1-NN (cosine) of the first {QUERY_SIZE // 1000}k test images '
        f'among the first {GALLERY_SIZE // 1000}k training images on the 10 fine labels; train '
        'top-1 = the classifier on those training images; NC1 = tr(Sw Sb^+)/C of their '
        'l2-normalised features. dnc-paper: K = 4, mu = 0.999, memory 100 batches, LN_C; dnc-k1: '
        'the same with K = 1 (the dnc-induction arm closest to linear).'
    ),
)
