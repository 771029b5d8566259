# ResNet-32 (HPN) -> Linear to d -> learnable linear softmax classifier (PSC baseline)
model = dict(
    type='ImageClassifier',
    backbone=dict(type='HPNResNet', depth=32, base_channels=16),
    neck=dict(type='LinearNeck', in_channels=64, out_channels=50, gap_dim=2, norm_cfg=None),
    head=dict(
        type='LinearClsHead',
        num_classes=100,
        in_channels=50,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
    ),
)
