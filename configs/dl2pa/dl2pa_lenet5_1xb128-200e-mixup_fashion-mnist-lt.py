# Recipe: LONG-TAIL (configs/dl2pa/README.md, 'Two recipes'; the details follow).
# DL2PA on long-tailed Fashion-MNIST (CPU quick start), LONG-TAIL recipe: the official long-tail
# code's recipe and schedule, as the CIFAR-10-LT paper-row configs here (Tables 4-6, supplement
# 7.2; notes §2.4) on the LeNet-5 features (d = 120) of configs/dnc/lenet5_1xb128_fashion-mnist.py:
#   h = l2(BN(f)) regressed onto fixed uniformity prototypes with the DR loss (batch class
#   weights e_c^2 = gamma / n_c), Mixup alpha 1, the Hungarian assignment once per epoch
#   (tau' = 1, the paper); SGD lr 0.1, momentum 0.9, wd 2e-4, batch 128, 200 epochs, 5-epoch
#   linear warm-up, lr / 10 at epochs 160 and 180 (_base_/schedules/longtail_200e.py).
# Data: Fashion-MNIST-LT, n_c = floor(6000 * 0.01^(c / 9)) of the 60k training images (14.9k
# images); test = the balanced 10k test set. Evaluated every 10 epochs.
# The balanced recipe (no BN, loss 'hpn', lr 0.01) is dl2pa_lenet5_1xb128_fashion-mnist.py.
_base_ = '../dnc/lenet5_1xb128_fashion-mnist.py'

model = dict(
    head=dict(
        _delete_=True,
        type='HypersphericalHead',
        num_classes=10,
        in_channels=120,
        norm_cfg=dict(type='BN1d'),
        dynamic_assignment=True,
        class_mean_momentum=0.9,
        loss=dict(type='PrototypeRegressionLoss', mode='dr'),
        topk=(1,),
    ),
    train_cfg=dict(augments=dict(type='Mixup', alpha=1.0)),
)
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='LongTailDataset',
        imbalance_factor=0.01,
        dataset={{_base_.train_dataloader.dataset}},
    )
)
custom_hooks = [
    dict(type='PrototypePrecomputeHook', method='uniformity', seed=0),  # Eq. 3-5, cached
    dict(type='LabelPrototypeAssignmentHook', updates_per_epoch=1),  # tau' = 1
]
# the values of _base_/schedules/longtail_200e.py (the Fashion-MNIST base brings its own)
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=2e-4, nesterov=False)
)
param_scheduler = [
    dict(
        type='LinearLR', start_factor=0.2, by_epoch=True, begin=0, end=5, convert_to_iter_based=True
    ),
    dict(type='MultiStepLR', by_epoch=True, milestones=[160, 180], gamma=0.1),
]
train_cfg = dict(by_epoch=True, max_epochs=200, val_interval=10)
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=1))
