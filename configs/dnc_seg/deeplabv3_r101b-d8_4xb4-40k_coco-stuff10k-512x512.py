# DeepLabV3 with an ImageNet-initialised ResNet-101 (D8), COCO-Stuff-10k, 40k iterations.
_base_ = [
    './_base_/models/deeplabv3_r101b-d8.py',
    'mmseg::_base_/datasets/coco-stuff10k.py',
    'mmseg::_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_40k.py',
]
custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)

crop_size = (512, 512)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    decode_head=dict(num_classes=171),
    auxiliary_head=dict(num_classes=171),
)
