# Swin-T + linear classifier, ImageNet-1K; label smoothing 0.1, no Mixup/CutMix (Table 4 "LS").
_base_ = './linear_swin-tiny_8xb128-300e-ls-mixup_in1k.py'

custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)

model = dict(train_cfg=None)
