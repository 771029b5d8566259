# DNC pretraining of the small ResNet-18 (16 base channels) of the Fashion-MNIST scenes
# segmentation configs: the linear head of the baseline beside it replaced by nearest
# sub-centroids (DNC Eq. 4, 7), K=4, mu=0.999, memory of 100 batches, Sinkhorn eps 0.05 (the
# values of dnc_lenet5_1xb128_fashion-mnist.py).
_base_ = './resnet18-w16_1xb128_fashion-mnist.py'

model = dict(
    head=dict(
        _delete_=True,
        type='DNCHead',
        num_classes=10,
        in_channels=128,
        num_subcentroids=4,  # K
        momentum=0.999,  # mu, Eq. 8
        sinkhorn_eps=0.05,  # epsilon, Eq. 6
        sinkhorn_iters=3,
        memory_size=100 * 128,  # 100 batches of 128
        logit_norm='layernorm',
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1,),
    )
)
custom_hooks = [dict(type='SubCentroidUpdateHook')]
