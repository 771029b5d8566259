# Long-tailed STL10 as the official DL2PA code builds it (utils/dataset.py, STL10_LT): the
# train split long-tailed (exponential profile, head class len(train) / 10 = 500, the leaf
# configs set imbalance_factor = n_min / n_max 0.005 / 0.01 / 0.02), balanced test split, at
# the native 96 x 96 with no resize, crop or flip: ToTensor + Normalize(0.5, 0.5) (mean = std
# = 127.5 on 0..255). ResNet-32 ends in global average pooling, so 96 px need no change.
# DL2PA supplement 7.2.
_base_ = ['./cifar10_lt_bs128.py']

dataset_type = 'STL10'
data_preprocessor = dict(num_classes=10, mean=[127.5] * 3, std=[127.5] * 3, to_rgb=False)
pipeline = [dict(type='PackInputs')]
train_dataloader = dict(
    dataset=dict(dataset=dict(type='STL10', data_root='data/stl10', pipeline=pipeline))
)
val_dataloader = dict(
    dataset=dict(type='STL10', data_root='data/stl10', split='test', pipeline=pipeline)
)
test_dataloader = val_dataloader
