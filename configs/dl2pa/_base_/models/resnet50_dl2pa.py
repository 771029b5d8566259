# ResNet-50 -> Linear 2048 -> d=512 -> fixed prototypes with dynamic assignment (DL2PA Table 3)
_base_ = ['mmpretrain::_base_/models/resnet50.py']

model = dict(
    neck=dict(
        _delete_=True,
        type='LinearNeck',
        in_channels=2048,
        out_channels=512,
        gap_dim=2,
        norm_cfg=None,
    ),
    head=dict(
        _delete_=True,
        type='HypersphericalHead',
        num_classes=1000,
        in_channels=512,
        loss=dict(type='PrototypeRegressionLoss', mode='paper'),
    ),
    train_cfg=dict(augments=dict(type='Mixup', alpha=1.0)),
)
custom_hooks = [
    dict(type='PrototypePrecomputeHook', method='uniformity', seed=0),
    dict(type='LabelPrototypeAssignmentHook', updates_per_epoch=1),
]
