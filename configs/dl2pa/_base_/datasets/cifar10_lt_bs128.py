# Long-tailed CIFAR10 (exponential profile, imbalance_factor = n_min / n_max; the leaf
# configs set 0.005 / 0.01 / 0.02); balanced test split. DL2PA supplement 7.2.
data_preprocessor = dict(
    num_classes=10, mean=[125.307, 122.961, 113.8575], std=[51.5865, 50.847, 51.255], to_rgb=False
)
train_pipeline = [
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=128,
    num_workers=4,
    dataset=dict(
        type='LongTailDataset',
        imbalance_factor=0.01,
        dataset=dict(
            type='CIFAR10', data_root='data/cifar10', split='train', pipeline=train_pipeline
        ),
    ),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=128,
    num_workers=4,
    dataset=dict(type='CIFAR10', data_root='data/cifar10', split='test', pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='Accuracy', topk=(1,))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
