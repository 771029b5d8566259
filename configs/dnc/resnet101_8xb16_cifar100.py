# Table 7 r3: parametric ResNet-101 on CIFAR-100, the ResNet-50 recipe.
_base_ = ['./resnet50_8xb16_cifar100.py']

model = dict(backbone=dict(depth=101))
