# DNC-ResNet-101 of DNC Table 2: mmpretrain's ResNet-101 ImageNet-1k recipe (8 GPUs x 32
# images, SGD lr 0.1, step decay at epochs 30/60/90, 100 epochs) with the linear head replaced by
# nearest sub-centroid classification (Eq. 4, 7): K=4 sub-centroids per class, class-wise
# Sinkhorn clustering (Eq. 5-6, epsilon 0.05, 3 iterations) over the current global batch and a
# FIFO memory of 1000 global batches, momentum update mu=0.999 (Eq. 8) after every iteration.
_base_ = 'mmpretrain::resnet/resnet101_8xb32_in1k.py'
custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)

model = dict(
    head=dict(
        _delete_=True,
        type='DNCHead',
        num_classes=1000,
        in_channels=2048,
        num_subcentroids=4,  # K
        momentum=0.999,  # mu, Eq. 8
        sinkhorn_eps=0.05,  # epsilon, Eq. 6
        sinkhorn_iters=3,
        memory_size=1000 * 256,  # 1000 batches x global batch 8 x 32 (App. K)
        memory_dtype='float32',  # 'float16' halves the 2 GB memory
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5),
    )
)
# the feature memory serves exact resume only: the latest checkpoint alone keeps it
custom_hooks = [dict(type='SubCentroidUpdateHook'), dict(type='LatestTrainingStateHook')]
