# FCN with a ResNet-101 (D8) initialised from an ImageNet checkpoint, ADE20K 160k.
# The backbone is the plain (7x7-stem, "V1b") ResNet-101 of mmpretrain, so both the parametric and
# the DNC ImageNet checkpoints of DNC Table 2 load into it (tools/model_converters/dnc2mmseg.py).
_base_ = [
    'mmseg::_base_/models/fcn_r50-d8.py',
    'mmseg::_base_/datasets/ade20k.py',
    'mmseg::_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_160k.py',
]
custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)

# parametric ResNet-101 (mmpretrain resnet101_8xb32_in1k, Table 2)
checkpoint_file = 'checkpoints/resnet101_8xb32_in1k_mmseg.pth'
crop_size = (512, 512)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone=dict(
        type='ResNet',
        depth=101,
        init_cfg=dict(type='Pretrained', checkpoint=checkpoint_file, prefix='backbone.'),
    ),
    decode_head=dict(num_classes=150),
    auxiliary_head=dict(num_classes=150),
)
