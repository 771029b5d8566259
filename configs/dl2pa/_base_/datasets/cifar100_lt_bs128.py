# Long-tailed CIFAR100 (exponential profile, imbalance_factor = n_min / n_max; the leaf
# configs set 0.005 / 0.01 / 0.02); balanced test split. DL2PA supplement 7.2.
_base_ = ['mmpretrain::_base_/datasets/cifar100_bs16.py']

train_dataloader = dict(
    batch_size=128,
    num_workers=4,
    dataset=dict(
        _delete_=True,
        type='LongTailDataset',
        imbalance_factor=0.01,
        dataset={{_base_.train_dataloader.dataset}},
    ),
)
val_dataloader = dict(batch_size=128, num_workers=4)
test_dataloader = val_dataloader
