# DL2PA (ours) on ImageNet-LT, d = 4096 as the official code builds it: ResNet-50 with layer4
# widened to 1024 planes (pooled feature 1024 x 4 = 4096-d, no projection) -> BN + l2, DR loss,
# Mixup 1.0. The projection variant (ResNet-50 2048-d -> Linear to 4096) is
# dl2pa_resnet50-d4096-linear_1xb128-200e-mixup_in1k-lt.py.
# Recipe: LONG-TAIL (Tables 4-6; configs/dl2pa/README.md, 'Two recipes'): prototype heads regress
# h = l2(BN(f)) with the DR loss; Mixup alpha 1; _base_/schedules/longtail_200e.py.
_base_ = [
    'mmpretrain::_base_/models/resnet50.py',
    './_base_/datasets/imagenet_lt_bs128.py',
    './_base_/schedules/longtail_200e.py',
    './_base_/default_runtime.py',
]

model = dict(
    backbone=dict(type='ResNetWideLastStage', last_stage_planes=1024),
    head=dict(
        _delete_=True,
        type='HypersphericalHead',
        num_classes=1000,
        in_channels=4096,
        norm_cfg=dict(type='BN1d'),
        dynamic_assignment=True,
        loss=dict(type='PrototypeRegressionLoss', mode='dr'),
    ),
    train_cfg=dict(augments=dict(type='Mixup', alpha=1.0)),
)
custom_hooks = [
    dict(type='PrototypePrecomputeHook', method='uniformity', seed=0),
    dict(type='LabelPrototypeAssignmentHook', updates_per_epoch=1),
]
