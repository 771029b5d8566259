# Sub-category discovery on Fashion-MNIST (App. E protocol, CPU demo): train on 3 coarse groups
# (tops / shoes / others, mmproto.datasets.COARSE_PRESETS['fashion-mnist']), evaluate the 1-NN
# accuracy on the 10 fine classes in the learned feature space (test-set queries, 10k training
# images as gallery) and the coarse top-1 of the classifier.
_base_ = ['./lenet5_fashion-mnist-3e.py']

data_root = 'data/fashion_mnist'
eval_pipeline = [dict(type='PackInputs', algorithm_keys=['fine_label'])]
model = dict(type='EmbeddingClassifier', head=dict(num_classes=3))
data_preprocessor = dict(num_classes=3)
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='CoarseLabelDataset',
        dataset=dict(type='FashionMNIST', data_root=data_root, split='train'),
        fine_to_coarse='fashion-mnist',
        pipeline={{_base_.train_pipeline}},
    )
)
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='QueryGalleryDataset',
        query=dict(
            type='CoarseLabelDataset',
            dataset=dict(type='FashionMNIST', data_root=data_root, split='test', test_mode=True),
            fine_to_coarse='fashion-mnist',
            pipeline=eval_pipeline,
        ),
        gallery=dict(
            type='CoarseLabelDataset',
            dataset=dict(type='FashionMNIST', data_root=data_root, split='train'),
            fine_to_coarse='fashion-mnist',
            pipeline=eval_pipeline,
            indices=10000,
        ),
    )
)
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, type='InductionAccuracy', k=1)
test_evaluator = val_evaluator
