# DNC-ResNet-50 of DNC Table 1: mmpretrain's CIFAR-10 ResNet-50 recipe (8 GPUs x 16
# images = batch 128, SGD lr 0.1, step decay at epochs 100/150, 200 epochs) with the linear head
# replaced by nearest sub-centroid classification (Eq. 4, 7): K=4, class-wise Sinkhorn clustering
# (Eq. 5-6) over the global batch and a FIFO memory of 100 global batches, mu=0.999 (Eq. 8).
_base_ = 'mmpretrain::resnet/resnet50_8xb16_cifar10.py'
custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)

model = dict(
    head=dict(
        _delete_=True,
        type='DNCHead',
        num_classes=10,
        in_channels=2048,
        num_subcentroids=4,  # K
        momentum=0.999,  # mu, Eq. 8
        sinkhorn_eps=0.05,  # epsilon, Eq. 6
        sinkhorn_iters=3,
        memory_size=100 * 128,  # 100 batches x global batch 8 x 16 (§4.1)
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1,),
    )
)
# the feature memory serves exact resume only: the latest checkpoint alone keeps it
custom_hooks = [dict(type='SubCentroidUpdateHook'), dict(type='LatestTrainingStateHook')]
