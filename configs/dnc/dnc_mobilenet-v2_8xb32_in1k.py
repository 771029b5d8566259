# Table 8 r2: DNC-MobileNet-V2 on ImageNet: the 1280 x 1000 linear layer (1.28M parameters) is
# replaced by K=4 sub-centroids per class (3.50M -> 2.22M parameters), memory of 1000 global
# batches of 256; the parametric recipe otherwise.
_base_ = ['./mobilenet-v2_8xb32_in1k.py']

custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)
model = dict(
    head=dict(
        _delete_=True,
        type='DNCHead',
        num_classes=1000,
        in_channels=1280,
        num_subcentroids=4,
        momentum=0.999,
        memory_size=1000 * 256,  # 1000 batches x global batch 256
    )
)
# the feature memory serves exact resume only: the latest checkpoint alone keeps it
custom_hooks = [dict(type='SubCentroidUpdateHook'), dict(type='LatestTrainingStateHook')]
