# Swin-T + linear classifier, ImageNet-1K; no label smoothing, no Mixup/CutMix (Tables 4 / 5 baseline).
_base_ = './linear_swin-tiny_8xb128-300e-ls_in1k.py'

custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)

model = dict(head=dict(loss=dict(_delete_=True, type='CrossEntropyLoss', loss_weight=1.0)))
