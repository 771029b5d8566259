# DL2PA supplement 7.1 (ImageNet-1K, Swin-T from scratch): AdamW lr 1e-3, batch 1024, wd 2e-5,
# 100 epochs; warm-up + cosine as for the ResNets.
_base_ = ['mmpretrain::_base_/schedules/imagenet_bs1024_adamw_swin.py']

optim_wrapper = dict(optimizer=dict(lr=1e-3, weight_decay=2e-5))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, end=5, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=True, begin=5),
]
train_cfg = dict(by_epoch=True, max_epochs=100, val_interval=1)
