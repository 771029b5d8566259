# ImageNet-LT (Liu et al. 2019) from ImageNet_LT_{train,test}.txt placed in data/imagenet, with
# the official DL2PA augmentation (utils/dataset.py, ImageNet_LT): RandomResizedCrop 224, flip,
# ColorJitter(brightness 0.4, contrast 0.4, saturation 0.4, hue 0); test Resize 256 +
# CenterCrop 224.
_base_ = ['mmpretrain::_base_/datasets/imagenet_bs32.py']

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='ColorJitter', brightness=0.4, contrast=0.4, saturation=0.4, hue=0.0),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=128,
    dataset=dict(
        _delete_=True,
        type='ImageNetLT',
        data_root='data/imagenet',
        split='train',
        pipeline=train_pipeline,
    ),
)
val_dataloader = dict(
    batch_size=128,
    dataset=dict(
        _delete_=True,
        type='ImageNetLT',
        data_root='data/imagenet',
        split='test',
        pipeline={{_base_.test_pipeline}},
    ),
)
test_dataloader = val_dataloader
