# MC with K = 8 sub-centres per class (Fig. 4 ablation) on Swin-T, ImageNet-1K.
_base_ = './mcc_swin-tiny_8xb128-300e-ls-mixup_in1k.py'

custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)

model = dict(head=dict(num_subcenters=8))
