# DNC on Fashion-MNIST (CPU quick start): the linear head of the baseline beside it is replaced
# by nearest sub-centroid classification (DNC Eq. 4, 7), K=4 sub-centroids per class estimated
# by class-wise Sinkhorn clustering (Eq. 5-6) of the batch + a feature memory, and momentum
# updates (Eq. 8, mu=0.999) run by SubCentroidUpdateHook after every iteration.
_base_ = './lenet5_1xb128_fashion-mnist.py'

model = dict(
    head=dict(
        _delete_=True,
        type='DNCHead',
        num_classes=10,
        in_channels=120,
        num_subcentroids=4,  # K
        momentum=0.999,  # mu, Eq. 8
        sinkhorn_eps=0.05,  # epsilon, Eq. 6
        sinkhorn_iters=3,
        memory_size=100 * 128,  # 100 batches of 128 (the paper's CIFAR setting)
        logit_norm='layernorm',
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1,),
    )
)
custom_hooks = [dict(type='SubCentroidUpdateHook')]
