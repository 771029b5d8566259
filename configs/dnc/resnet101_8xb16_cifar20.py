# Table 13 r3: parametric ResNet-101 trained on CIFAR-20; 100-class induction accuracy (App. E).
_base_ = ['./resnet50_8xb16_cifar20.py']

model = dict(backbone=dict(depth=101))
