# Diagnostic setting of DNC §4.4 (Tables 5a, 5c): DNC-DeepLabV3, ADE20K, 80k iterations,
# K=10, mu=0.999 (the default row of both ablations).
_base_ = './dnc-deeplabv3_r101b-d8_4xb4-160k_ade20k-512x512.py'

param_scheduler = [dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=80000, by_epoch=False)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=80000, val_interval=8000)
default_hooks = dict(checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=8000))
