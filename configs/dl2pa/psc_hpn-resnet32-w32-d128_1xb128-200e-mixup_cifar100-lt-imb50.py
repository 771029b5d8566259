# PSC baseline (long-tail): linear softmax classifier, Mixup 1.0; imbalance factor 0.02
# Recipe: LONG-TAIL (Tables 4-6; configs/dl2pa/README.md, 'Two recipes'): prototype heads regress
# h = l2(BN(f)) with the DR loss; Mixup alpha 1; _base_/schedules/longtail_200e.py.
_base_ = [
    './_base_/models/hpn-resnet32-lt_psc.py',
    './_base_/datasets/cifar100_lt_bs128.py',
    './_base_/schedules/longtail_200e.py',
    './_base_/default_runtime.py',
]

model = dict(
    backbone=dict(base_channels=32),
    head=dict(num_classes=100, in_channels=128),
)
train_dataloader = dict(dataset=dict(imbalance_factor=0.02))
