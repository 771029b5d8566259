# MC without the standard-deviation loss L_sigma2 (Table 7 ablation) on ResNet-50, ImageNet-1K.
_base_ = './mcc_resnet50_8xb128-300e-ls_in1k.py'

custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)

model = dict(head=dict(loss_std=None))
