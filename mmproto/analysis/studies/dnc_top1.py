"""``dnc-top1``: DNC vs the linear head, test top-1 (the Fashion-MNIST analogue of DNC Tables 1-2).

DNC's claim (Tables 1, 2, 6-8): nearest sub-centroid classification matches or slightly beats
the parametric softmax (+0.2 to +0.3 top-1 on CIFAR-10 / ImageNet). Arms on the 12k balanced
subset and the 5-epoch schedule of the other Fashion-MNIST studies: ``linear``; ``dnc-paper``
(the quick-start DNC config with the paper's values: K = 4, mu = 0.999, memory of 100 batches,
eps = 0.05, random init, LN_C as the official code); ``dnc-mu0.99`` (short-schedule variant:
mu = 0.999 leaves a sub-centroid ``0.999^470 = 63 %`` at its random init after the 470
iterations of this schedule, mu = 0.99 ``0.99^470 < 1 %``); ``dnc-temperature`` (cosine / 0.1
instead of LN_C).
"""

from ..study import Arm, Metric, Study
from ._fashion_mnist import EPOCHS, LINEAR, SCHEDULE, balanced

DNC = 'configs/dnc/dnc_lenet5_1xb128_fashion-mnist.py'
DATA = balanced()

STUDY = Study(
    name='dnc-top1',
    arms=(
        Arm('linear', LINEAR, DATA),
        Arm('dnc-paper', DNC, DATA),
        Arm('dnc-mu0.99', DNC, {**DATA, 'model': dict(head=dict(momentum=0.99))}),
        Arm('dnc-temperature', DNC, {**DATA, 'model': dict(head=dict(logit_norm='temperature'))}),
    ),
    metrics=(Metric('accuracy/top1', 'top-1'),),
    methods=('dnc-paper', 'dnc-mu0.99', 'dnc-temperature'),
    baselines=('linear',),
    overrides=SCHEDULE,
    description=(
        f'DNC vs a linear head on Fashion-MNIST (10 classes), LeNet-5 features, first 12k '
        f'training images, {EPOCHS} epochs of the quick-start schedule (SGD 0.05, cosine); '
        'test = the 10k test set. dnc-paper: K = 4, mu = 0.999, memory of 100 batches, LN_C '
        '(the paper / official values); dnc-mu0.99: the short-schedule momentum; '
        'dnc-temperature: logits = cosine / 0.1.'
    ),
)
