# DL2PA (ours) on ImageNet-1K: ResNet-50, d=512, SGD lr 0.5, batch 1024, Mixup 1.0
# Recipe: BALANCED, ImageNet-1K (Table 3; configs/dl2pa/README.md, 'Two recipes'): prototype heads
# regress l2(f) (no norm before the l2) with loss 'paper'; Mixup 1.0; _base_/schedules/imagenet_sgd_100e.py.
_base_ = [
    './_base_/models/resnet50_dl2pa.py',
    './_base_/datasets/imagenet_bs128.py',
    './_base_/schedules/imagenet_sgd_100e.py',
    './_base_/default_runtime.py',
]
