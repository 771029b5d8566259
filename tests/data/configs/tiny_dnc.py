# tiny_cls.py with a DNC head (K=2, a memory of two batches) for the release-checkpoint tests.
_base_ = './tiny_cls.py'

model = dict(
    head=dict(
        _delete_=True,
        type='DNCHead',
        num_classes=3,
        in_channels=120,
        num_subcentroids=2,
        momentum=0.9,
        memory_size=8,
        topk=(1,),
    )
)
custom_hooks = [dict(type='SubCentroidUpdateHook'), dict(type='LatestTrainingStateHook')]
