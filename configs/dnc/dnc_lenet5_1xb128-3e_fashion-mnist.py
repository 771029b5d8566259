# DNC on the 10 Fashion-MNIST classes, cluster-centre sub-centroids (reference of the anchored
# run, Table 4 protocol on CPU).
_base_ = ['./_base_/lenet5_fashion-mnist-3e.py']

model = dict(
    head=dict(
        _delete_=True,
        type='DNCHead',
        num_classes=10,
        in_channels=120,
        num_subcentroids=4,
        memory_size=2560,  # 20 batches of 128
    )
)
custom_hooks = [dict(type='SubCentroidUpdateHook')]
