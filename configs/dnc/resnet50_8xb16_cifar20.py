# Table 13 r1: parametric ResNet-50 trained on CIFAR-20 (the 20 CIFAR-100 super-classes), the
# CIFAR-100 recipe; evaluation (App. E): top-1 nearest-neighbour accuracy on the 100 fine classes
# in the final feature space (test-set queries, the 50k training images as gallery) and the
# 20-class top-1 of the classifier.
_base_ = ['./resnet50_8xb16_cifar100.py']

custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)
data_root = 'data/cifar100'
train_pipeline = [
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
eval_pipeline = [dict(type='PackInputs', algorithm_keys=['fine_label'])]
model = dict(type='EmbeddingClassifier', head=dict(num_classes=20))
data_preprocessor = dict(num_classes=20)
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='CoarseLabelDataset',
        dataset=dict(type='CIFAR100', data_root=data_root, split='train'),
        fine_to_coarse='cifar100',
        pipeline=train_pipeline,
    )
)
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='QueryGalleryDataset',
        query=dict(
            type='CoarseLabelDataset',
            dataset=dict(type='CIFAR100', data_root=data_root, split='test'),
            fine_to_coarse='cifar100',
            pipeline=eval_pipeline,
        ),
        gallery=dict(
            type='CoarseLabelDataset',
            dataset=dict(type='CIFAR100', data_root=data_root, split='train'),
            fine_to_coarse='cifar100',
            pipeline=eval_pipeline,
        ),
    )
)
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, type='InductionAccuracy', k=1)
test_evaluator = val_evaluator
