_base_ = ['mmpretrain::_base_/datasets/imagenet_bs32.py']

train_dataloader = dict(batch_size=128)
val_dataloader = dict(batch_size=128)
test_dataloader = val_dataloader
