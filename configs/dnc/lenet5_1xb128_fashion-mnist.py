# Linear-head baseline of the DNC Fashion-MNIST run beside it: mmpretrain's LeNet-5 conv
# features (120-d after the last conv at 32x32) + a linear classifier, same data and schedule.
# Data: the Debian package dataset-fashion-mnist (bash tools/setup.sh installs it); tools/train.py
# un-gzips it into data/fashion_mnist on first use.
# The val/test split is the official 10k test set (Fashion-MNIST has no separate val split).
_base_ = 'mmpretrain::lenet/lenet5_mnist.py'
custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)

model = dict(
    backbone=dict(type='LeNet5', num_classes=-1),  # features only: [N, 120, 1, 1]
    neck=dict(_delete_=True, type='GlobalAveragePooling'),
    head=dict(
        _delete_=True,
        type='LinearClsHead',
        num_classes=10,
        in_channels=120,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1,),
    ),
)

# dataset: mmpretrain's FashionMNIST reading the un-gzipped idx files of data_root (the base's
# dataset_type and common_data_cfg are overridden, so no MNIST field is left in the config)
dataset_type = 'FashionMNIST'
data_root = 'data/fashion_mnist'
data_preprocessor = dict(mean=[72.94], std=[90.02], num_classes=10)  # train-set pixel stats
pipeline = [dict(type='Resize', scale=32), dict(type='PackInputs')]
common_data_cfg = dict(
    type=dataset_type, data_root=data_root, data_prefix='', download=False, pipeline=pipeline
)
train_dataloader = dict(
    batch_size=128,
    num_workers=2,
    persistent_workers=True,
    dataset=dict(**common_data_cfg, split='train', test_mode=False),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=256,
    num_workers=2,
    persistent_workers=True,
    dataset=dict(**common_data_cfg, split='test', test_mode=True),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy', topk=(1,))
test_evaluator = val_evaluator

# schedule: SGD + cosine decay over 10 epochs (469 iterations each)
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=1e-4, nesterov=True)
)
param_scheduler = dict(_delete_=True, type='CosineAnnealingLR', by_epoch=True, T_max=10)
train_cfg = dict(by_epoch=True, max_epochs=10, val_interval=1)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=100),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2),
)
# one intra-op thread beside the 2 dataloader workers (tools/train.py applies it): on a
# 2-core CPU more threads make OpenMP spin and slow LeNet-5 steps down many times
env_cfg = dict(torch_num_threads=1)
randomness = dict(seed=0)
auto_scale_lr = dict(base_batch_size=128)
