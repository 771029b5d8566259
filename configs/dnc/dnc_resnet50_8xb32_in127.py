# Table 14 r2: DNC-ResNet-50 trained on ImageNet-127 (K=4, mu=0.999, memory of 1000 global batches
# of 256); 1000-class induction accuracy (App. E).
_base_ = ['./resnet50_8xb32_in127.py']

model = dict(
    head=dict(
        _delete_=True,
        type='DNCHead',
        num_classes=127,
        in_channels=2048,
        num_subcentroids=4,
        momentum=0.999,
        memory_size=1000 * 256,  # 1000 batches x global batch 256
    )
)
# the feature memory serves exact resume only: the latest checkpoint alone keeps it
custom_hooks = [dict(type='SubCentroidUpdateHook'), dict(type='LatestTrainingStateHook')]
