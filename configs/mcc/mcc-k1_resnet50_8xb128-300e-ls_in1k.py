# MC with K = 1 sub-centres per class (Fig. 4 ablation) on ResNet-50, ImageNet-1K.
_base_ = './mcc_resnet50_8xb128-300e-ls_in1k.py'

custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)

model = dict(head=dict(num_subcenters=1))
