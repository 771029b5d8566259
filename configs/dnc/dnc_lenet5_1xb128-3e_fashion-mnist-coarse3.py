# DNC trained on 3 coarse Fashion-MNIST groups; fine-label induction accuracy (App. E, CPU demo).
_base_ = ['./_base_/fashion-mnist-coarse3_induction.py']

model = dict(
    head=dict(
        _delete_=True,
        type='DNCHead',
        num_classes=3,
        in_channels=120,
        num_subcentroids=4,
        memory_size=2560,  # 20 batches of 128
    )
)
custom_hooks = [dict(type='SubCentroidUpdateHook')]
