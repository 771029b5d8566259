# Long-tail recipe (official LT code): ResNet-32 features -> BN -> l2 -> fixed prototypes;
# DR loss with batch inverse-frequency weights, Mixup 1.0, dynamic assignment.
model = dict(
    type='ImageClassifier',
    backbone=dict(type='HPNResNet', depth=32, base_channels=16),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='HypersphericalHead',
        num_classes=10,
        in_channels=64,
        norm_cfg=dict(type='BN1d'),
        dynamic_assignment=True,
        class_mean_momentum=0.9,
        loss=dict(type='PrototypeRegressionLoss', mode='dr'),
    ),
    train_cfg=dict(augments=dict(type='Mixup', alpha=1.0)),
)
custom_hooks = [
    dict(type='PrototypePrecomputeHook', method='uniformity', seed=0),
    dict(type='LabelPrototypeAssignmentHook', updates_per_epoch=1),
]
