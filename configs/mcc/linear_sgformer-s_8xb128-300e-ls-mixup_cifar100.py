# SGFormer-S + linear classifier, CIFAR-100, the MCC recipe (Sec. 5.1): the Swin-T config of
# this table with only the backbone (mmproto's SGFormer, Ren et al., ICCV 2023; 22.5M parameters, 4.82 GFLOPs
# with the 1000-class head at 224 x 224) and the head's in_channels changed. Stochastic depth 0.1:
# the official SG-Former-S recipe (configs/mcc/README.md, SGFormer).
_base_ = './linear_swin-tiny_8xb128-300e-ls-mixup_cifar100.py'

custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)

model = dict(
    backbone=dict(_delete_=True, type='SGFormer', arch='s', img_size=224, drop_path_rate=0.1),
    head=dict(in_channels=512),
)
