# DNC with sub-centroids anchored to real training images for the last epoch (Table 4 protocol:
# paper 90 + 10 of 100 epochs on ImageNet; here 2 + 1 of 3 on Fashion-MNIST).
_base_ = ['./dnc_lenet5_1xb128-3e_fashion-mnist.py']

custom_hooks = [
    dict(type='SubCentroidUpdateHook'),
    dict(type='SubCentroidAnchorHook', anchor_epoch=2),
]
