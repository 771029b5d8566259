# Table 8 r4: DNC-Swin-Tiny on ImageNet. As the official DNC Swin configs: the parametric recipe
# without Mixup / CutMix and label smoothing (the clustering needs hard labels), K=4, mu=0.999,
# memory of 500 global batches of 1024 (§4.1).
_base_ = ['./swin-tiny_16xb64_in1k.py']

custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)
model = dict(
    head=dict(
        _delete_=True,
        type='DNCHead',
        num_classes=1000,
        in_channels=768,
        num_subcentroids=4,
        momentum=0.999,
        memory_size=500 * 1024,  # 500 batches x global batch 1024
    ),
    train_cfg=None,  # no Mixup / CutMix
)
# the feature memory serves exact resume only: the latest checkpoint alone keeps it
custom_hooks = [dict(type='SubCentroidUpdateHook'), dict(type='LatestTrainingStateHook')]
