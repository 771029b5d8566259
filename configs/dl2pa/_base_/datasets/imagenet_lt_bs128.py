# ImageNet-LT (Liu et al. 2019) from ImageNet_LT_{train,test}.txt placed in data/imagenet
_base_ = ['mmpretrain::_base_/datasets/imagenet_bs32.py']

train_dataloader = dict(
    batch_size=128,
    dataset=dict(
        _delete_=True,
        type='ImageNetLT',
        data_root='data/imagenet',
        split='train',
        pipeline={{_base_.train_pipeline}},
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
