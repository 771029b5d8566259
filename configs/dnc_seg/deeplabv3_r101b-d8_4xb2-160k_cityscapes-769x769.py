# DeepLabV3 with an ImageNet-initialised ResNet-101 (D8), Cityscapes, 160k iterations.
_base_ = [
    './_base_/models/deeplabv3_r101b-d8.py',
    'mmseg::_base_/datasets/cityscapes_769x769.py',
    'mmseg::_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_160k.py',
]
custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)

crop_size = (769, 769)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    decode_head=dict(num_classes=19, align_corners=True),
    auxiliary_head=dict(num_classes=19, align_corners=True),
    test_cfg=dict(mode='slide', crop_size=(769, 769), stride=(513, 513)),
)
