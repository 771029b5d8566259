# Swin-T + linear classifier, Mini-ImageNet, the MCC recipe (Sec. 5.1: AdamW, lr 1e-3,
# wd 0.05, 300 epochs, cosine, 20 warm-up epochs, batch 1024 = 8 x 128, Swin augmentations);
# label smoothing 0.1 + Mixup 0.8 / CutMix 1.0 (the Swin recipe).
_base_ = [
    'mmpretrain::_base_/models/swin_transformer/tiny_224.py',
    './_base_/datasets/mini-imagenet_bs128_swin-224.py',
    'mmpretrain::_base_/schedules/imagenet_bs1024_adamw_swin.py',
    'mmpretrain::_base_/default_runtime.py',
]

custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)

model = dict(head=dict(num_classes=100))
train_dataloader = dict(batch_size=128)
optim_wrapper = dict(clip_grad=dict(max_norm=5.0))
