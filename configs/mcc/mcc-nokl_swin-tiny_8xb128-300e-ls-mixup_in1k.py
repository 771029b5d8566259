# MC without the standard-deviation loss L_sigma2 (Table 7 ablation) on Swin-T, ImageNet-1K.
_base_ = './mcc_swin-tiny_8xb128-300e-ls-mixup_in1k.py'

custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)

model = dict(head=dict(loss_std=None))
