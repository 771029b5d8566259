# Table 18 r1: DeepNCM (one class mean per class, decay-mean update from each batch, logits
# -||f - mu_c||^2) with ResNet-50 on CIFAR-10, the DNC CIFAR-10 recipe (App. I).
_base_ = ['./dnc_resnet50_8xb16_cifar10.py']

model = dict(
    head=dict(
        _delete_=True,
        type='DeepNCMHead',
        num_classes=10,
        in_channels=2048,
        mean_update='decay',
        decay=0.9,
    )
)
custom_hooks = [dict(type='SubCentroidUpdateHook')]  # runs the class-mean update
