# Table 6 r2: DNC-ResNet-18 on CIFAR-10, same recipe as DNC-ResNet-50 (Table 1).
_base_ = ['./dnc_resnet50_8xb16_cifar10.py']

model = dict(backbone=dict(depth=18), head=dict(in_channels=512))
