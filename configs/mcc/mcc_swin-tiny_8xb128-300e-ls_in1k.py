# Multi-center classifier (MCC) on Swin-T, ImageNet-1K; label smoothing 0.1, no Mixup/CutMix.
_base_ = './linear_swin-tiny_8xb128-300e-ls_in1k.py'

custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)

model = dict(
    head=dict(
        _delete_=True,
        type='MultiCenterClsHead',
        num_classes=1000,
        in_channels=768,
        num_subcenters=2,  # K (paper default 2)
        center_weight=0.5,  # Eq. 8: 0.5 on the centre, (1 - 0.5) / K on each sub-centre
        std_scale=1.0,  # sigma = exp(log_var / 2) (the official code: 0.1 * ...)
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
        loss_std=dict(type='StdKLLoss', reduction='mean', loss_weight=1.0),
        topk=(1, 5),
    )
)
