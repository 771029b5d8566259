# Sub-category discovery on Fashion-MNIST at the paper's CIFAR-20 schedule (Table 13, App. E),
# DNC: the head of dnc_lenet5_1xb128-3e_fashion-mnist-coarse3.py (the paper's values: K=4,
# mu=0.999, memory of 100 batches, Sinkhorn eps 0.05) on the data, 200-epoch schedule (SGD 0.1,
# wd 5e-4, lr x 0.2 at 60 / 120 / 160) and evaluation (every 10 epochs) of
# lenet5_1xb128-200e_fashion-mnist-coarse3.py; the k-NN runs in DNC's own space l2(LN_D(f)).
_base_ = './lenet5_1xb128-200e_fashion-mnist-coarse3.py'

model = dict(
    head=dict(
        _delete_=True,
        type='DNCHead',
        num_classes=3,
        in_channels=120,
        num_subcentroids=4,
        momentum=0.999,
        memory_size=100 * 128,
        logit_norm='layernorm',
    )
)
custom_hooks = [dict(type='SubCentroidUpdateHook')]
# + how the training images spread over each group's sub-centroids (effective K, fine purity)
val_evaluator = [
    dict(type='InductionAccuracy', k=1),
    dict(type='NeuralCollapse'),
    dict(type='SubsetAccuracy', prefix='train'),  # on the gallery (training images)
    dict(type='SubCentroidUsage'),
]
test_evaluator = val_evaluator
