# FCN on the Fashion-MNIST scenes (CPU quick start): small ResNet-18-D8 from scratch, batch 8,
# SGD 0.01 + poly decay over 2k iterations, validated every 500.
_base_ = [
    './_base_/models/fcn_r18-w16-d8.py',
    './_base_/datasets/fashion_mnist_scenes.py',
    'mmseg::_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_20k.py',
]
custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)

max_iters = 2000
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=max_iters, by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=500)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=500, max_keep_ckpts=1),
)
# one intra-op thread beside the 2 dataloader workers (see configs/dnc/lenet5_1xb128_*)
env_cfg = dict(torch_num_threads=1)
