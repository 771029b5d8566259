# UperNet with an ImageNet-initialised Swin-B, ADE20K, 160k iterations.
_base_ = [
    './_base_/models/upernet_swin-b.py',
    'mmseg::_base_/datasets/ade20k.py',
    'mmseg::_base_/default_runtime.py',
    './_base_/schedules/adamw_160k.py',
]
custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)

crop_size = (512, 512)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    decode_head=dict(num_classes=150),
    auxiliary_head=dict(num_classes=150),
)
train_dataloader = dict(batch_size=2)
