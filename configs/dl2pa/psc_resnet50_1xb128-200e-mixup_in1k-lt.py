# PSC baseline on ImageNet-LT: ResNet-50, linear softmax head, Mixup 1.0, long-tail schedule
# Recipe: LONG-TAIL (Tables 4-6; configs/dl2pa/README.md, 'Two recipes'): prototype heads regress
# h = l2(BN(f)) with the DR loss; Mixup alpha 1; _base_/schedules/longtail_200e.py.
_base_ = [
    'mmpretrain::_base_/models/resnet50.py',
    './_base_/datasets/imagenet_lt_bs128.py',
    './_base_/schedules/longtail_200e.py',
    './_base_/default_runtime.py',
]

model = dict(
    head=dict(loss=dict(type='CrossEntropyLoss', loss_weight=1.0, use_soft=True)),
    train_cfg=dict(augments=dict(type='Mixup', alpha=1.0)),
)
