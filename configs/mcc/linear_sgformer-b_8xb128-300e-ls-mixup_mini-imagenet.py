# SGFormer-B + linear classifier, Mini-ImageNet, the MCC recipe (Sec. 5.1): the Swin-B config of
# this table with only the backbone (mmproto's SGFormer, Ren et al., ICCV 2023; 77.9M parameters, 15.61 GFLOPs
# with the 1000-class head at 224 x 224) and the head's in_channels changed. Stochastic depth 0.4:
# the official SG-Former-B recipe (configs/mcc/README.md, SGFormer).
_base_ = './linear_swin-base_8xb128-300e-ls-mixup_mini-imagenet.py'

custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)

model = dict(
    backbone=dict(_delete_=True, type='SGFormer', arch='b', img_size=224, drop_path_rate=0.4),
    head=dict(in_channels=768),
)
