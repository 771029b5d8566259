# FCN (mmseg fcn_r50-d8) on the plain (7x7-stem, "V1b") ResNet-101 of ImageNet
# classification, so both the parametric and the DNC ImageNet checkpoints of DNC Table 2 load
# into it (convert them with tools/model_converters/dnc2mmseg.py).
_base_ = 'mmseg::_base_/models/fcn_r50-d8.py'

# parametric ResNet-101 (mmpretrain resnet101_8xb32_in1k, Table 2)
checkpoint_file = 'checkpoints/resnet101_8xb32_in1k_mmseg.pth'
model = dict(
    pretrained=None,
    backbone=dict(
        type='ResNet',
        depth=101,
        init_cfg=dict(type='Pretrained', checkpoint=checkpoint_file, prefix='backbone.'),
    ),
)
