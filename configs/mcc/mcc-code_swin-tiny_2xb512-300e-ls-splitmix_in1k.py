# MCC as the official Swin-T code trains it (see configs/mcc/README.md): each batch is split in
# half; the first half is mixed (Mixup 0.8 / CutMix 1.0) and scored by the class means over C
# classes, the second half trains the multi-center classifier; labels 0.5 / 0.2 / 0.2 + 0.1 label
# smoothing (both halves smoothed by 0.1), std 0.1 * exp(log_var / 2), per-GPU noise, 2 GPUs x 512.
_base_ = './mcc_swin-tiny_8xb128-300e-ls-mixup_in1k.py'

custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)

model = dict(
    head=dict(
        center_weight=0.5,
        subcenter_weight=0.2,
        label_smooth=0.1,
        std_scale=0.1,
        per_rank_noise=True,
        mixup_mode='split_batch',
        loss=dict(_delete_=True, type='CrossEntropyLoss', use_soft=True, loss_weight=1.0),
    ),
    train_cfg=dict(
        _delete_=True,
        augments=dict(
            type='SplitBatchAugment',
            augments=[
                dict(type='Mixup', alpha=0.8),
                dict(type='CutMix', alpha=1.0),
            ],
        ),
    ),
)
train_dataloader = dict(batch_size=512)
