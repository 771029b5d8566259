# MCC as the official ResNet-50 code trains it (see configs/mcc/README.md): 150 epochs with 10
# warm-up epochs, labels 0.5 / 0.2 / 0.2 + 0.1 label smoothing over all C (K + 1) logits,
# sub-centre std 0.1 * exp(log_var / 2), a different noise draw on each GPU, 2 GPUs x 512.
_base_ = './mcc_resnet50_8xb128-300e_in1k.py'

custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)

model = dict(
    head=dict(
        center_weight=0.5,
        subcenter_weight=0.2,
        label_smooth=0.1,
        std_scale=0.1,
        per_rank_noise=True,
    )
)
train_dataloader = dict(batch_size=512)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, end=10, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=True, begin=10),
]
train_cfg = dict(max_epochs=150)
