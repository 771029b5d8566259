# ETF baseline: simplex ETF prototypes (d >= C - 1), fixed assignment
# Recipe: BALANCED (Tables 1-2, 8-9; configs/dl2pa/README.md, 'Two recipes'): prototype heads regress
# l2(f) (no norm before the l2) with loss 'hpn'; schedule: _base_/schedules/balanced_250e.py.
_base_ = [
    './_base_/models/hpn-resnet32_dl2pa.py',
    './_base_/datasets/imagenet200_bs128.py',
    './_base_/schedules/balanced_250e.py',
    './_base_/default_runtime.py',
]

model = dict(
    neck=dict(out_channels=200),
    head=dict(dynamic_assignment=False, num_classes=200, in_channels=200),
)
custom_hooks = [
    dict(type='PrototypePrecomputeHook', method='etf', seed=0),
]
