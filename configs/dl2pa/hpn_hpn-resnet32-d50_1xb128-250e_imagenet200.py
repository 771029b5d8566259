# HPN baseline: HPN prototypes, fixed assignment
_base_ = [
    './_base_/models/hpn-resnet32_dl2pa.py',
    './_base_/datasets/imagenet200_bs128.py',
    './_base_/schedules/balanced_250e.py',
    './_base_/default_runtime.py',
]

model = dict(
    neck=dict(out_channels=50), head=dict(dynamic_assignment=False, num_classes=200, in_channels=50)
)
custom_hooks = [
    dict(type='PrototypePrecomputeHook', method='hpn', seed=0),
]
