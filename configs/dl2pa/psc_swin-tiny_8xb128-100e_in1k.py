# PSC baseline on ImageNet-1K: Swin-T from scratch, linear softmax head, DL2PA recipe
# Recipe: BALANCED, ImageNet-1K (Table 3; configs/dl2pa/README.md, 'Two recipes'): prototype heads
# regress l2(f) (no norm before the l2) with loss 'paper'; Mixup 1.0; _base_/schedules/imagenet_adamw_100e.py.
_base_ = [
    'mmpretrain::_base_/models/swin_transformer/tiny_224.py',
    'mmpretrain::_base_/datasets/imagenet_bs64_swin_224.py',
    './_base_/schedules/imagenet_adamw_100e.py',
    './_base_/default_runtime.py',
]

model = dict(train_cfg=dict(augments=dict(_delete_=True, type='Mixup', alpha=1.0)))
train_dataloader = dict(batch_size=128)
val_dataloader = dict(batch_size=128)
test_dataloader = val_dataloader
