# Long-tailed STL10 (exponential profile, imbalance_factor = n_min / n_max; the leaf
# configs set 0.005 / 0.01 / 0.02); balanced test split. DL2PA supplement 7.2.
# The CIFAR10-LT recipe with STL10's images resized to 32 x 32 and its statistics.
_base_ = ['./cifar10_lt_bs128.py']

dataset_type = 'STL10'
data_preprocessor = dict(mean=[113.91, 112.15, 103.69], std=[66.4, 65.41, 68.53])
train_pipeline = [
    dict(type='Resize', scale=(32, 32)),
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='Resize', scale=(32, 32)),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    dataset=dict(dataset=dict(type='STL10', data_root='data/stl10', pipeline=train_pipeline))
)
val_dataloader = dict(dataset=dict(type='STL10', data_root='data/stl10', pipeline=test_pipeline))
test_dataloader = val_dataloader
