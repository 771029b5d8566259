# Long-tailed SVHN (exponential profile, imbalance_factor = n_min / n_max; the leaf
# configs set 0.005 / 0.01 / 0.02); balanced test split. DL2PA supplement 7.2.
data_preprocessor = dict(
    num_classes=10, mean=[111.61, 113.16, 120.57], std=[50.5, 51.26, 50.24], to_rgb=False
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
        dataset=dict(type='SVHN', data_root='data/svhn', split='train', pipeline=train_pipeline),
    ),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=128,
    num_workers=4,
    dataset=dict(type='SVHN', data_root='data/svhn', split='test', pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='Accuracy', topk=(1,))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
