# CPU-sized Fashion-MNIST recipe of the explainability / sub-category demos (configs/dnc/README.md):
# LeNet-5 (28x28 grey images padded with black to 32x32 by the data preprocessor; -0.81 is black
# after normalisation), horizontal flips, batch 128,
# SGD 0.05 with cosine decay, 3 epochs.
custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)
default_scope = 'mmpretrain'
data_root = 'data/fashion_mnist'  # tools/dataset_converters/prepare_fashion_mnist.py

model = dict(
    type='ImageClassifier',
    backbone=dict(type='LeNet5', num_classes=-1),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=120, topk=(1,)),
)
data_preprocessor = dict(
    num_classes=10, mean=[72.94], std=[90.02], to_rgb=False, pad_size_divisor=32, pad_value=-0.81
)
train_pipeline = [
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='PackInputs')]
train_dataloader = dict(
    batch_size=128,
    num_workers=2,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='FashionMNIST', data_root=data_root, split='train', pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=256,
    num_workers=2,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='FashionMNIST',
        data_root=data_root,
        split='test',
        test_mode=True,  # mmpretrain's MNIST datasets pick the files by test_mode, not split
        pipeline=test_pipeline,
    ),
)
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy', topk=(1,))
test_evaluator = val_evaluator

optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4))
param_scheduler = dict(type='CosineAnnealingLR', by_epoch=True, T_max=3, convert_to_iter_based=True)
train_cfg = dict(by_epoch=True, max_epochs=3, val_interval=3)
val_cfg = dict()
test_cfg = dict()

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=100),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='VisualizationHook', enable=False),
)
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)
