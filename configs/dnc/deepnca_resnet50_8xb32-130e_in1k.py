# Table 19 r1: DeepNCA (Wu et al., ECCV 2018), the deep k-NN baseline of App. I: ResNet-50 with a
# 128-d l2-normalised output, an NCA loss over a memory of all 1,281,167 training images
# (sigma 0.05, memory momentum 0.5 -> 0.8 at epoch 80 -> 0.9 at epoch 120) and a weighted 30-NN
# vote over the memory at test time; SGD 0.1 Nesterov, lr / 10 every 40 epochs, 130 epochs.
_base_ = ['mmpretrain::resnet/resnet50_8xb32_in1k.py']

custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)
model = dict(
    neck=dict(
        _delete_=True,
        type='LinearNeck',
        in_channels=2048,
        out_channels=128,
        gap_dim=2,
        norm_cfg=None,
    ),
    head=dict(
        _delete_=True,
        type='DeepNCAHead',
        num_classes=1000,
        in_channels=128,
        num_samples=1281167,  # ImageNet-1k train; every sample owns a memory slot
        temperature=0.05,
        memory_momentum=0.5,
        knn_k=30,
    ),
)
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4, nesterov=True)
)
param_scheduler = dict(
    _delete_=True, type='MultiStepLR', by_epoch=True, milestones=[40, 80, 120], gamma=0.1
)
train_cfg = dict(max_epochs=130)
custom_hooks = [
    dict(type='SubCentroidUpdateHook'),  # writes the global batch into its memory slots
    dict(type='NCAMemoryHook', milestones={80: 0.8, 120: 0.9}),
]
