# PSC baseline: learnable linear softmax classifier on the d-dim projection
# Recipe: BALANCED (Tables 1-2, 8-9; configs/dl2pa/README.md, 'Two recipes'): prototype heads regress
# l2(f) (no norm before the l2) with loss 'hpn'; schedule: _base_/schedules/balanced_250e.py.
_base_ = [
    './_base_/models/hpn-resnet32_psc.py',
    './_base_/datasets/imagenet200_bs128.py',
    './_base_/schedules/balanced_250e.py',
    './_base_/default_runtime.py',
]

model = dict(neck=dict(out_channels=100), head=dict(num_classes=200, in_channels=100))
