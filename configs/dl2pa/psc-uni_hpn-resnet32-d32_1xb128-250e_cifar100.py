# PSC* (Table 8): PSC + 1e-2 * L_uni on the learnable prototypes
_base_ = [
    './_base_/models/hpn-resnet32_psc.py',
    './_base_/datasets/cifar100_bs128.py',
    './_base_/schedules/balanced_250e.py',
    './_base_/default_runtime.py',
]

model = dict(
    neck=dict(out_channels=32),
    head=dict(
        type='UniformityLinearClsHead',
        uniformity_weight=1e-2,
        t=2.0,
        num_classes=100,
        in_channels=32,
    ),
)
