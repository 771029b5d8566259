# RegNetY-16GF + linear classifier, Mini-ImageNet, the MCC recipe (Sec. 5.1: AdamW, lr 1e-3,
# wd 0.05, 300 epochs, cosine, 20 warm-up epochs, batch 1024 = 8 x 128, Swin augmentations);
# label smoothing 0.1, no Mixup/CutMix.
_base_ = [
    './_base_/models/regnety-16gf.py',
    './_base_/datasets/mini-imagenet_bs128_swin-224.py',
    'mmpretrain::_base_/schedules/imagenet_bs1024_adamw_swin.py',
    'mmpretrain::_base_/default_runtime.py',
]

custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)

model = dict(
    head=dict(
        num_classes=100,
        loss=dict(_delete_=True, type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
    )
)
train_dataloader = dict(batch_size=128)
optim_wrapper = dict(clip_grad=dict(max_norm=5.0))
