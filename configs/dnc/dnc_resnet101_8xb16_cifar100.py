# Table 7 r4: DNC-ResNet-101 on CIFAR-100.
_base_ = ['./dnc_resnet50_8xb16_cifar100.py']

model = dict(backbone=dict(depth=101))
