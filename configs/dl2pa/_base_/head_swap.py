# DL2PA recipe of `tools/train.py CONFIG --head dl2pa` (and tools/misc/print_config.py --head
# dl2pa), applied by mmproto/utils/head_swap.py to any mmpretrain classification config: the head
# becomes a HypersphericalHead with its defaults (dynamic assignment, class-mean momentum 0.9
# (Eq. 8), PrototypeRegressionLoss mode 'paper'); num_classes, topk and in_channels (= the
# prototype dimension d, the feature after the neck) are read from the replaced head. Batch
# augments (Mixup / CutMix) and the rest of the config are kept.
model = dict(head=dict(_delete_=True, type='HypersphericalHead'))
custom_hooks = [
    # fixed uniformity prototypes (Eq. 3-5) computed once before training (cached)
    dict(type='PrototypePrecomputeHook', method='uniformity', seed=0),
    # Hungarian label-to-prototype assignment (Eq. 9) once per epoch (tau' = 1)
    dict(type='LabelPrototypeAssignmentHook', updates_per_epoch=1),
]
