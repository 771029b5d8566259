# Parametric baseline of DNC Table 1: mmpretrain's CIFAR ResNet-50 with its linear head,
# 8 GPUs x 16 images (batch 128), SGD lr 0.1, step decay at epochs 100/150, 200 epochs (unchanged).
_base_ = 'mmpretrain::resnet/resnet50_8xb16_cifar10.py'
custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)
