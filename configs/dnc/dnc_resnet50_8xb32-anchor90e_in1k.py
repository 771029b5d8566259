# Table 4 r2: DNC-ResNet-50 whose sub-centroids are anchored to their nearest training images after
# 90 of 100 epochs and, for the last 10 epochs, follow only those images' features (§4.3).
_base_ = ['./dnc_resnet50_8xb32_in1k.py']

custom_hooks = [
    dict(type='SubCentroidUpdateHook'),
    dict(type='LatestTrainingStateHook'),
    dict(type='SubCentroidAnchorHook', anchor_epoch=90),
]
