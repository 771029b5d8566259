# ResNet-50 + linear classifier, ImageNet-1K, the MCC recipe (Sec. 5.1: AdamW, lr 1e-3,
# wd 0.05, 300 epochs, cosine, 20 warm-up epochs, batch 1024 = 8 x 128, Swin augmentations);
# no label smoothing, no Mixup/CutMix.
_base_ = [
    'mmpretrain::_base_/models/resnet50.py',
    'mmpretrain::_base_/datasets/imagenet_bs64_swin_224.py',
    'mmpretrain::_base_/schedules/imagenet_bs1024_adamw_swin.py',
    'mmpretrain::_base_/default_runtime.py',
]

custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)

train_dataloader = dict(batch_size=128)
optim_wrapper = dict(clip_grad=dict(max_norm=5.0))
