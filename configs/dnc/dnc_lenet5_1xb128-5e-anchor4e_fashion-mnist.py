# DNC with sub-centroids anchored to real training images for the last epoch (Table 4 protocol:
# 90 + 10 of 100 epochs on ImageNet in the paper; here 4 + 1 of 5 on Fashion-MNIST, CPU).
_base_ = './dnc_lenet5_1xb128-5e_fashion-mnist.py'

custom_hooks = [
    dict(type='SubCentroidUpdateHook'),
    dict(type='SubCentroidAnchorHook', anchor_epoch=4),
]
