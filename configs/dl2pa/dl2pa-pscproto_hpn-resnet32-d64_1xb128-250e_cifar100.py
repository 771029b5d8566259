# Ours* (Table 8): prototypes = class weights of the trained PSC of the same d
# (train psc_hpn-resnet32-d64_1xb128-250e_cifar100.py first), dynamic assignment
# Recipe: BALANCED (Tables 1-2, 8-9; configs/dl2pa/README.md, 'Two recipes'): prototype heads regress
# l2(f) (no norm before the l2) with loss 'hpn'; schedule: _base_/schedules/balanced_250e.py.
_base_ = [
    './_base_/models/hpn-resnet32_dl2pa.py',
    './_base_/datasets/cifar100_bs128.py',
    './_base_/schedules/balanced_250e.py',
    './_base_/default_runtime.py',
]

model = dict(neck=dict(out_channels=64), head=dict(num_classes=100, in_channels=64))
custom_hooks = [
    dict(
        type='PrototypePrecomputeHook',
        method='checkpoint',
        checkpoint='work_dirs/psc_hpn-resnet32-d64_1xb128-250e_cifar100/epoch_250.pth',
        checkpoint_key='head.fc.weight',
    ),
    dict(type='LabelPrototypeAssignmentHook', updates_per_epoch=1),
]
