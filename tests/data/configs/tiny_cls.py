# A seconds-long mmpretrain config for the tool tests: LeNet-5 on a generated grayscale folder
# (set the three dataset data_root entries with --cfg-options).
_base_ = 'mmpretrain::_base_/default_runtime.py'
custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)

model = dict(
    type='ImageClassifier',
    backbone=dict(type='LeNet5'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=3, in_channels=120, topk=(1,)),
)
data_preprocessor = dict(num_classes=3, mean=[127.5], std=[127.5])

pipeline = [
    dict(type='LoadImageFromFile', color_type='grayscale'),
    dict(type='Resize', scale=32),
    dict(type='PackInputs'),
]
dataset = dict(type='CustomDataset', data_root='data/tiny_cls', pipeline=pipeline)
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    dataset=dataset,
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    dataset=dataset,
    sampler=dict(type='DefaultSampler', shuffle=False),
)
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy', topk=(1,))
test_evaluator = dict(type='Accuracy', topk=(1,))

optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9))
param_scheduler = dict(type='MultiStepLR', by_epoch=False, milestones=[3], gamma=0.1)
train_cfg = dict(by_epoch=False, max_iters=2, val_interval=2)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=1),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=2),
)
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)
auto_scale_lr = dict(base_batch_size=4)
