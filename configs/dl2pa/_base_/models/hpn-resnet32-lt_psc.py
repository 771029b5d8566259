# Long-tail PSC baseline: ResNet-32 features -> linear softmax classifier, Mixup 1.0
model = dict(
    type='ImageClassifier',
    backbone=dict(type='HPNResNet', depth=32, base_channels=16),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=64,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0, use_soft=True),
    ),
    train_cfg=dict(augments=dict(type='Mixup', alpha=1.0)),
)
