# PSC baseline on ImageNet-1K with the DL2PA recipe (ResNet-50, linear softmax head, Mixup 1.0)
# Recipe: BALANCED, ImageNet-1K (Table 3; configs/dl2pa/README.md, 'Two recipes'): prototype heads
# regress l2(f) (no norm before the l2) with loss 'paper'; Mixup 1.0; _base_/schedules/imagenet_sgd_100e.py.
_base_ = [
    'mmpretrain::_base_/models/resnet50_mixup.py',
    './_base_/datasets/imagenet_bs128.py',
    './_base_/schedules/imagenet_sgd_100e.py',
    './_base_/default_runtime.py',
]

model = dict(train_cfg=dict(augments=dict(type='Mixup', alpha=1.0)))
