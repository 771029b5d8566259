# Recipe: LONG-TAIL (configs/dl2pa/README.md, 'Two recipes'; the details follow).
# Linear head on long-tailed Fashion-MNIST, LONG-TAIL recipe: the baseline of
# dl2pa_lenet5_1xb128-200e-mixup_fashion-mnist-lt.py with everything but the head the same
# (LeNet-5 features, Fashion-MNIST-LT 0.01, Mixup alpha 1, SGD lr 0.1, wd 2e-4, 200 epochs, 5-epoch
# warm-up, lr / 10 at 160 and 180): a linear softmax classifier with soft-target cross-entropy,
# as the official long-tail code's baseline (psc_hpn-resnet32_1xb128-200e-mixup_cifar10-lt-*.py).
_base_ = './dl2pa_lenet5_1xb128-200e-mixup_fashion-mnist-lt.py'

model = dict(
    head=dict(
        _delete_=True,
        type='LinearClsHead',
        num_classes=10,
        in_channels=120,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0, use_soft=True),
        topk=(1,),
    )
)
custom_hooks = []
