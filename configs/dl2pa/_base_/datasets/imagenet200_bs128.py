# ImageNet-200 (HPN / DL2PA supp. 7.1): 200 ImageNet classes at 64x64, 110K images, 10K held
# out. Put the 200 class folders under data/imagenet200/train (or list their wnids in
# data/imagenet200/classes.txt and pass classes=...); see configs/dl2pa/README.md.
dataset_type = 'ImageNet200'
data_preprocessor = dict(
    num_classes=200, mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True
)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(64, 64)),
    dict(type='RandomCrop', crop_size=64, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(64, 64)),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=128,
    num_workers=4,
    dataset=dict(
        type=dataset_type,
        data_root='data/imagenet200',
        data_prefix='train',
        split='train',
        num_test=10000,
        seed=0,
        pipeline=train_pipeline,
    ),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=128,
    num_workers=4,
    dataset=dict(
        type=dataset_type,
        data_root='data/imagenet200',
        data_prefix='train',
        split='test',
        num_test=10000,
        seed=0,
        pipeline=test_pipeline,
    ),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='Accuracy', topk=(1,))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
