# Parametric baseline of DNC Table 2: mmpretrain's ResNet-101 with its linear head, ImageNet-1k,
# 8 GPUs x 32 images, SGD lr 0.1, step decay at epochs 30/60/90, 100 epochs (unchanged).
_base_ = 'mmpretrain::resnet/resnet101_8xb32_in1k.py'
custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)
