# Kasarla et al. baseline (DL2PA Table 3) on ImageNet-1K: ResNet-50, d = C-1 = 999, the Table 3
# ResNet recipe (SGD lr 0.5, batch 1024, wd 2e-5, 5-epoch warm-up + cosine, 100 epochs, Mixup 1.0)
# Recipe: BALANCED, ImageNet-1K (Table 3; configs/dl2pa/README.md, 'Two recipes'): prototype heads
# regress l2(f) (no norm before the l2) with loss 'paper'; Mixup 1.0; _base_/schedules/imagenet_sgd_100e.py.
_base_ = [
    './_base_/models/resnet50_maxsep.py',
    './_base_/datasets/imagenet_bs128.py',
    './_base_/schedules/imagenet_sgd_100e.py',
    './_base_/default_runtime.py',
]
