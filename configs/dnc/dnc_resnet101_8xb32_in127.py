# Table 14 r4: DNC-ResNet-101 trained on ImageNet-127; 1000-class induction accuracy (App. E).
_base_ = ['./dnc_resnet50_8xb32_in127.py']

model = dict(backbone=dict(depth=101))
