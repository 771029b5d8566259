# DL2PA (ours) on ImageNet-1K: Swin-T from scratch, d=512, AdamW lr 1e-3, batch 1024, Mixup 1.0
# Recipe: BALANCED, ImageNet-1K (Table 3; configs/dl2pa/README.md, 'Two recipes'): prototype heads
# regress l2(f) (no norm before the l2) with loss 'paper'; Mixup 1.0; _base_/schedules/imagenet_adamw_100e.py.
_base_ = [
    'mmpretrain::_base_/models/swin_transformer/tiny_224.py',
    'mmpretrain::_base_/datasets/imagenet_bs64_swin_224.py',
    './_base_/schedules/imagenet_adamw_100e.py',
    './_base_/default_runtime.py',
]

model = dict(
    neck=dict(
        _delete_=True,
        type='LinearNeck',
        in_channels=768,
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
    train_cfg=dict(augments=dict(_delete_=True, type='Mixup', alpha=1.0)),
)
train_dataloader = dict(batch_size=128)
val_dataloader = dict(batch_size=128)
test_dataloader = val_dataloader
custom_hooks = [
    dict(type='PrototypePrecomputeHook', method='uniformity', seed=0),
    dict(type='LabelPrototypeAssignmentHook', updates_per_epoch=1),
]
