# Kasarla et al. baseline (DL2PA Table 3) on ImageNet-1K: ResNet-152 (the depth Table 3 lists for
# this method), d = C-1 = 999, same recipe as the ResNet-50 row
# Recipe: BALANCED, ImageNet-1K (Table 3; configs/dl2pa/README.md, 'Two recipes'): prototype heads
# regress l2(f) (no norm before the l2) with loss 'paper'; Mixup 1.0; the schedule of its _base_.
_base_ = ['./maxsep_resnet50-d999_8xb128-100e_in1k.py']

model = dict(backbone=dict(depth=152))
