# Table 7 r1: parametric ResNet-50 on CIFAR-100 (mmpretrain recipe: 200 epochs, batch 128, SGD 0.1,
# wd 5e-4, lr x 0.2 at 60 / 120 / 160).
_base_ = ['mmpretrain::resnet/resnet50_8xb16_cifar100.py']
