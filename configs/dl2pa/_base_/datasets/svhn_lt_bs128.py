# Long-tailed SVHN (exponential profile, imbalance_factor = n_min / n_max; the leaf
# configs set 0.005 / 0.01 / 0.02); balanced test split. DL2PA supplement 7.2.
# The CIFAR10-LT recipe with SVHN's images and statistics.
_base_ = ['./cifar10_lt_bs128.py']

dataset_type = 'SVHN'

data_preprocessor = dict(mean=[111.61, 113.16, 120.57], std=[50.5, 51.26, 50.24])
train_dataloader = dict(dataset=dict(dataset=dict(type='SVHN', data_root='data/svhn')))
val_dataloader = dict(dataset=dict(type='SVHN', data_root='data/svhn'))
test_dataloader = val_dataloader
