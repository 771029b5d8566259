# RegNetY-4.0GF (Radosavovic et al., 2020), mmproto's RegNetY backbone (mmpretrain has RegNetX)
model = dict(
    type='ImageClassifier',
    backbone=dict(type='RegNetY', arch='regnety_4.0gf'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=1088,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5),
    ),
)
