# Table 14 r3: parametric ResNet-101 trained on ImageNet-127; 1000-class induction accuracy.
_base_ = ['./resnet50_8xb32_in127.py']

model = dict(backbone=dict(depth=101))
