# UperNet with an ImageNet-initialised Swin-B, COCO-Stuff-10k, 40k iterations.
_base_ = [
    './_base_/models/upernet_swin-b.py',
    'mmseg::_base_/datasets/coco-stuff10k.py',
    'mmseg::_base_/default_runtime.py',
    './_base_/schedules/adamw_40k.py',
]
custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)

crop_size = (512, 512)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    decode_head=dict(num_classes=171),
    auxiliary_head=dict(num_classes=171),
)
train_dataloader = dict(batch_size=2)
