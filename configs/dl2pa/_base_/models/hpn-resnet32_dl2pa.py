# ResNet-32 (HPN) -> Linear to d -> fixed prototypes with dynamic assignment (DL2PA Alg. 1).
# Loss: the official balanced code's HPN form sum_i (1 - cos)^2, which matches the lr 0.01 of
# the recipe (the paper's batch-mean of 1/2 (cos - 1)^2 is mode='paper').
model = dict(
    type='ImageClassifier',
    backbone=dict(type='HPNResNet', depth=32, base_channels=16),
    neck=dict(type='LinearNeck', in_channels=64, out_channels=50, gap_dim=2, norm_cfg=None),
    head=dict(
        type='HypersphericalHead',
        num_classes=100,
        in_channels=50,
        dynamic_assignment=True,
        class_mean_momentum=0.9,
        loss=dict(type='PrototypeRegressionLoss', mode='hpn'),
    ),
)
custom_hooks = [
    dict(type='PrototypePrecomputeHook', method='uniformity', seed=0),
    dict(type='LabelPrototypeAssignmentHook', updates_per_epoch=1),
]
