# Table 13 r2: DNC-ResNet-50 trained on CIFAR-20 (K=4 sub-centroids per super-class, memory of 100
# global batches), the CIFAR-100 recipe; 100-class induction accuracy (App. E).
_base_ = ['./resnet50_8xb16_cifar20.py']

model = dict(
    head=dict(
        _delete_=True,
        type='DNCHead',
        num_classes=20,
        in_channels=2048,
        num_subcentroids=4,
        momentum=0.999,
        memory_size=100 * 128,  # 100 batches x global batch 128 (§4.1)
    )
)
# the feature memory serves exact resume only: the latest checkpoint alone keeps it
custom_hooks = [dict(type='SubCentroidUpdateHook'), dict(type='LatestTrainingStateHook')]
