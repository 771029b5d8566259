"""Shared pieces of the Fashion-MNIST studies: the LeNet-5 schedule, the subsets, a neck."""

from typing import Dict

LINEAR = 'configs/dnc/lenet5_1xb128_fashion-mnist.py'
EPOCHS = 5
BALANCED_SIZE = 12000  # first 12k training images (~1.2k per class)
LONG_TAIL_HEAD = 3000  # n_max: the long-tailed subsets' head class (of 6000 per class)

# the same short schedule for every arm: 5 epochs of SGD + cosine, last checkpoint only
SCHEDULE: Dict = dict(
    train_cfg=dict(max_epochs=EPOCHS),
    param_scheduler=dict(T_max=EPOCHS),
    default_hooks=dict(checkpoint=dict(interval=EPOCHS, max_keep_ckpts=1)),
)


def balanced(size: int = BALANCED_SIZE) -> Dict:
    """``train_dataloader`` override: the first ``size`` training images."""
    return dict(train_dataloader=dict(dataset=dict(indices=size)))


def long_tailed(imbalance_factor: float, n_max: int = LONG_TAIL_HEAD) -> Dict:
    """``train_dataloader`` override: ``LongTailDataset`` (n_c = floor(n_max f^(c/9))) of the
    60k training images (n_max = 3000: f = 0.01 keeps 7.4k images, 0.1 keeps 12.2k)."""
    inner = dict(
        type='FashionMNIST',
        data_root='data/fashion_mnist',
        data_prefix='',
        split='train',
        test_mode=False,
        download=False,
        pipeline=[dict(type='Resize', scale=32), dict(type='PackInputs')],
    )
    return dict(
        train_dataloader=dict(
            dataset=dict(
                _delete_=True,
                type='LongTailDataset',
                imbalance_factor=imbalance_factor,
                n_max=n_max,
                dataset=inner,
            )
        )
    )


# a --smoke run cuts the pool to ~100 images per class: a head class that fits it
LONG_TAIL_SMOKE: Dict = dict(train_dataloader=dict(dataset=dict(n_max=50)))


def linear_neck(dim: int) -> Dict:
    """``model.neck``: the 120-d LeNet-5 features projected to ``dim`` (d < C studies)."""
    return dict(
        _delete_=True,
        type='LinearNeck',
        in_channels=120,
        out_channels=dim,
        gap_dim=2,
        norm_cfg=None,
    )
