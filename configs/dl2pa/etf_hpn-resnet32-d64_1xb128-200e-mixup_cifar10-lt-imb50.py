# ETF baseline (long-tail): simplex ETF prototypes, BN + l2 features, DR loss, Mixup; imbalance factor 0.02
# Recipe: LONG-TAIL (Tables 4-6; configs/dl2pa/README.md, 'Two recipes'): prototype heads regress
# h = l2(BN(f)) with the DR loss; Mixup alpha 1; _base_/schedules/longtail_200e.py.
_base_ = [
    './_base_/models/hpn-resnet32-lt_dl2pa.py',
    './_base_/datasets/cifar10_lt_bs128.py',
    './_base_/schedules/longtail_200e.py',
    './_base_/default_runtime.py',
]

model = dict(
    backbone=dict(base_channels=16),
    head=dict(num_classes=10, in_channels=64, dynamic_assignment=False),
)
train_dataloader = dict(dataset=dict(imbalance_factor=0.02))
custom_hooks = [
    dict(type='PrototypePrecomputeHook', method='etf', seed=0),
]
