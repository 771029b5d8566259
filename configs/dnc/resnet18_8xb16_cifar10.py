# Table 6 r1: parametric ResNet-18 on CIFAR-10 (mmpretrain recipe: 200 epochs, batch 128).
_base_ = ['mmpretrain::resnet/resnet18_8xb16_cifar10.py']
