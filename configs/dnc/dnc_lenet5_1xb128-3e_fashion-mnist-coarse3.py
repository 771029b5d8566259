# Sub-category discovery on Fashion-MNIST (App. E protocol, CPU demo), DNC: the head of
# dnc_lenet5_1xb128_fashion-mnist.py (K=4, mu=0.999, memory of 100 batches) on the 3 coarse groups
# of lenet5_1xb128-3e_fashion-mnist-coarse3.py (same data, schedule and evaluation); the k-NN runs
# in DNC's own space l2(LN_D(f)) (EmbeddingClassifier, embedding='auto').
_base_ = './lenet5_1xb128-3e_fashion-mnist-coarse3.py'

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
    dict(type='SubCentroidUsage'),
]
test_evaluator = val_evaluator
