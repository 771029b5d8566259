# Sub-category discovery on Fashion-MNIST (App. E protocol, CPU demo), linear baseline: the
# Fashion-MNIST quick-start recipe (lenet5_1xb128_fashion-mnist.py) for 3 epochs, trained on 3
# coarse groups (tops = T-shirt/top, Pullover, Coat, Shirt; shoes = Sandal, Sneaker, Ankle boot;
# others = Trouser, Dress, Bag). Evaluation: top-1 nearest-neighbour accuracy on the 10 fine classes
# in the final feature space (the 10k test images as queries, the first 10k training images as
# gallery; InductionAccuracy), the 3-class top-1 of the classifier and NC1 (NeuralCollapse).
_base_ = './lenet5_1xb128_fashion-mnist.py'

data_root = 'data/fashion_mnist'
pipeline = [dict(type='Resize', scale=32), dict(type='PackInputs')]
eval_pipeline = [
    dict(type='Resize', scale=32),
    dict(type='PackInputs', algorithm_keys=['fine_label']),
]
fine_train = dict(type='FashionMNIST', data_root=data_root, split='train', download=False)
fine_test = dict(
    type='FashionMNIST', data_root=data_root, split='test', test_mode=True, download=False
)

model = dict(type='EmbeddingClassifier', head=dict(num_classes=3))
data_preprocessor = dict(num_classes=3)
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='CoarseLabelDataset',
        dataset=fine_train,
        fine_to_coarse='fashion-mnist',
        pipeline=pipeline,
    )
)
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='QueryGalleryDataset',
        query=dict(
            type='CoarseLabelDataset',
            dataset=fine_test,
            fine_to_coarse='fashion-mnist',
            pipeline=eval_pipeline,
        ),
        gallery=dict(
            type='CoarseLabelDataset',
            dataset=fine_train,
            fine_to_coarse='fashion-mnist',
            pipeline=eval_pipeline,
            indices=10000,
        ),
    )
)
test_dataloader = val_dataloader
# + within-class collapse of the same features (NC1 on the coarse and the fine labels, gallery)
val_evaluator = [dict(type='InductionAccuracy', k=1), dict(type='NeuralCollapse')]
test_evaluator = val_evaluator
param_scheduler = dict(T_max=3)
train_cfg = dict(max_epochs=3, val_interval=3)
