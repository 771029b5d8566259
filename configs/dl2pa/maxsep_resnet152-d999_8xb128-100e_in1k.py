# Kasarla et al. baseline (DL2PA Table 3) on ImageNet-1K: ResNet-152 (the depth Table 3 lists for
# this method), d = C-1 = 999, same recipe as the ResNet-50 row
_base_ = ['./maxsep_resnet50-d999_8xb128-100e_in1k.py']

model = dict(backbone=dict(depth=152))
