# DL2PA (ours, long-tail): uniformity prototypes, BN + l2 features, DR loss, Mixup,
# epoch-end Hungarian assignment; imbalance factor 0.005
# Recipe: LONG-TAIL (Tables 4-6; configs/dl2pa/README.md, 'Two recipes'): prototype heads regress
# h = l2(BN(f)) with the DR loss; Mixup alpha 1; _base_/schedules/longtail_200e.py.
_base_ = [
    './_base_/models/hpn-resnet32-lt_dl2pa.py',
    './_base_/datasets/cifar100_lt_bs128.py',
    './_base_/schedules/longtail_200e.py',
    './_base_/default_runtime.py',
]

model = dict(
    backbone=dict(base_channels=32),
    neck=dict(
        _delete_=True, type='LinearNeck', in_channels=128, out_channels=50, gap_dim=2, norm_cfg=None
    ),
    head=dict(num_classes=100, in_channels=50),
)
train_dataloader = dict(dataset=dict(imbalance_factor=0.005))
