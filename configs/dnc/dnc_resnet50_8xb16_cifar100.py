# Table 7 r2: DNC-ResNet-50 on CIFAR-100 (K=4, mu=0.999, memory of 100 global batches of 128),
# the parametric CIFAR-100 recipe.
_base_ = ['./resnet50_8xb16_cifar100.py']

custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)
model = dict(
    head=dict(
        _delete_=True,
        type='DNCHead',
        num_classes=100,
        in_channels=2048,
        num_subcentroids=4,
        momentum=0.999,
        memory_size=100 * 128,  # 100 batches x global batch 128 (§4.1)
    )
)
# the feature memory serves exact resume only: the latest checkpoint alone keeps it
custom_hooks = [dict(type='SubCentroidUpdateHook'), dict(type='LatestTrainingStateHook')]
