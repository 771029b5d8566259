"""``mcc``: multi-center classifier vs linear vs label smoothing, balanced and long-tailed.

MCC's claim (Tables 1-3): sampling K sub-centres per class around w_c (Eq. 5-8) beats the plain
linear classifier, also label smoothing. Arms: ``mcc-code`` (std_scale 0.1, the official code's
sigma and the quick-start config), ``mcc-paper`` (std_scale 1, the paper text), ``linear`` and
``label-smooth`` (linear head, LabelSmoothLoss 0.1). ``mcc_sigma`` / ``mcc_mean_norm`` /
``mcc_offset_to_mean`` come from ``MultiCenterStatsHook`` after every validation.
"""

from ..study import Arm, Metric, Study
from ._fashion_mnist import EPOCHS, LINEAR, LONG_TAIL_SMOKE, SCHEDULE, balanced, long_tailed

MCC = 'configs/mcc/mcc_lenet5_1xb128_fashion-mnist.py'
LABEL_SMOOTH = dict(
    model=dict(
        head=dict(
            loss=dict(_delete_=True, type='LabelSmoothLoss', label_smooth_val=0.1, mode='original')
        )
    )
)

DATA = {'balanced': (balanced(), {}), 'LT 0.01': (long_tailed(0.01), LONG_TAIL_SMOKE)}


def arms(with_paper_sigma: bool = True):
    """Per data group: ``mcc-code``, ``mcc-paper`` (optional), ``linear``, ``label-smooth``."""
    for group, (data, smoke) in DATA.items():
        yield Arm('mcc-code', MCC, data, group, smoke)
        if with_paper_sigma:
            paper = {**data, 'model': dict(head=dict(std_scale=1.0))}
            yield Arm('mcc-paper', MCC, paper, group, smoke)
        yield Arm('linear', LINEAR, data, group, smoke)
        yield Arm('label-smooth', LINEAR, {**data, **LABEL_SMOOTH}, group, smoke)


STUDY = Study(
    name='mcc',
    arms=tuple(arms()),
    metrics=(
        Metric('accuracy/top1', 'top-1'),
        Metric('mcc_sigma', 'sigma', fmt='.3f'),
        Metric('mcc_mean_norm', '||w_c||', fmt='.2f'),
        Metric('mcc_offset_to_mean', '||sigma_c|| / ||w_c||', fmt='.2f'),
    ),
    methods=('mcc-code', 'mcc-paper'),
    baselines=('linear', 'label-smooth'),
    overrides=SCHEDULE,
    description=(
        f'MCC vs a linear head vs label smoothing (0.1) on Fashion-MNIST, LeNet-5 features, '
        f'{EPOCHS} epochs of the quick-start schedule; balanced = first 12k training images, '
        'LT 0.01 = long-tailed (imbalance 0.01, head class 3000) of the 60k; test = the 10k test '
        'set. mcc-code: std_scale 0.1 (official code); mcc-paper: std_scale 1 (paper text).'
    ),
)
