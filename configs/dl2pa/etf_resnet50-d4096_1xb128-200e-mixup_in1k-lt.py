# ETF baseline on ImageNet-LT: ResNet-50 -> Linear to d=4096 -> BN + l2, DR loss, Mixup 1.0
_base_ = [
    'mmpretrain::_base_/models/resnet50.py',
    './_base_/datasets/imagenet_lt_bs128.py',
    './_base_/schedules/longtail_200e.py',
    './_base_/default_runtime.py',
]

model = dict(
    neck=dict(
        _delete_=True,
        type='LinearNeck',
        in_channels=2048,
        out_channels=4096,
        gap_dim=2,
        norm_cfg=None,
    ),
    head=dict(
        _delete_=True,
        type='HypersphericalHead',
        num_classes=1000,
        in_channels=4096,
        norm_cfg=dict(type='BN1d'),
        dynamic_assignment=False,
        loss=dict(type='PrototypeRegressionLoss', mode='dr'),
    ),
    train_cfg=dict(augments=dict(type='Mixup', alpha=1.0)),
)
custom_hooks = [
    dict(type='PrototypePrecomputeHook', method='etf', seed=0),
]
