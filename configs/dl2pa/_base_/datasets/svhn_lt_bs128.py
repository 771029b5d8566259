# Long-tailed SVHN as the official DL2PA code builds it (utils/dataset.py, SVHN_LT): the train
# AND extra splits, each long-tailed on its own with the exponential profile whose head-class
# size is img_max = len(split) / 10 (train 7,325.7, extra 53,113.1; a class with fewer images
# keeps all it has: digit 0 has 4,948 in train and 45,550 in extra), then joined; balanced
# test split; no crop or flip, ToTensor + Normalize(0.5, 0.5) (mean = std = 127.5 on 0..255).
# The leaf configs set imbalance_factor = n_min / n_max (0.005 / 0.01 / 0.02). DL2PA supp. 7.2.
_base_ = ['mmpretrain::_base_/datasets/cifar10_bs16.py']

dataset_type = 'SVHN'
data_preprocessor = dict(num_classes=10, mean=[127.5] * 3, std=[127.5] * 3, to_rgb=False)
pipeline = [dict(type='PackInputs')]
train_dataloader = dict(
    batch_size=128,
    num_workers=4,
    dataset=dict(
        _delete_=True,
        type='LongTailDataset',
        imbalance_factor=0.01,
        n_max='mean',
        clip=True,
        dataset=[
            dict(type='SVHN', data_root='data/svhn', split='train', pipeline=pipeline),
            dict(type='SVHN', data_root='data/svhn', split='extra', pipeline=pipeline),
        ],
    ),
)
val_dataloader = dict(
    batch_size=128,
    num_workers=4,
    dataset=dict(
        _delete_=True, type='SVHN', data_root='data/svhn', split='test', pipeline=pipeline
    ),
)
test_dataloader = val_dataloader
