# Table 18 r3: DeepNCM with ResNet-50 on CIFAR-100, the DNC CIFAR-100 recipe (App. I).
_base_ = ['./dnc_resnet50_8xb16_cifar100.py']

model = dict(
    head=dict(
        _delete_=True,
        type='DeepNCMHead',
        num_classes=100,
        in_channels=2048,
        mean_update='decay',
        decay=0.9,
    )
)
custom_hooks = [dict(type='SubCentroidUpdateHook')]  # runs the class-mean update
