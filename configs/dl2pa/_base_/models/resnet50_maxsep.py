# Kasarla et al. (NeurIPS 2022) on ImageNet-1K (DL2PA Table 3 baseline): ResNet-50 -> Linear
# 2048 -> C-1 = 999 outputs -> fixed maximum-separation matrix r P (C=1000 unit vectors in 999
# dimensions, pairwise cosine -1/999) -> softmax cross-entropy. Radius r = 0.1: the official
# code's value for ResNets (1 for AlexNet); the paper's ImageNet radius is not stated.
_base_ = ['mmpretrain::_base_/models/resnet50_mixup.py']

model = dict(
    neck=dict(
        _delete_=True,
        type='LinearNeck',
        in_channels=2048,
        out_channels=999,
        gap_dim=2,
        norm_cfg=None,
    ),
    head=dict(
        _delete_=True,
        type='FixedPrototypeCEHead',
        num_classes=1000,
        in_channels=999,
        scale=0.1,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0, use_soft=True),
    ),
    train_cfg=dict(augments=dict(type='Mixup', alpha=1.0)),
)
custom_hooks = [dict(type='PrototypePrecomputeHook', method='max_separation')]
