# Table 13 r4: DNC-ResNet-101 trained on CIFAR-20; 100-class induction accuracy (App. E).
_base_ = ['./dnc_resnet50_8xb16_cifar20.py']

model = dict(backbone=dict(depth=101))
