# CIFAR-100, 10K test images held out (the standard test split), crop + flip (DL2PA supp. 7.1)
_base_ = ['mmpretrain::_base_/datasets/cifar100_bs16.py']

train_dataloader = dict(batch_size=128)
val_dataloader = dict(batch_size=128)
test_dataloader = val_dataloader
