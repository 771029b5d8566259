# Table 23 r2: per-class K between 1 and 4 from the number of training images of each class
# (ImageNet: 732-874 -> 1, 875-1016 -> 2, 1017-1158 -> 3, 1159-1300 -> 4), App. J.
_base_ = ['./dnc_resnet50_8xb32_in1k.py']

custom_hooks = [
    dict(type='SubCentroidUpdateHook'),
    dict(type='LatestTrainingStateHook'),
    dict(type='SubCentroidsByFrequencyHook', k_min=1, k_max=4),
]
