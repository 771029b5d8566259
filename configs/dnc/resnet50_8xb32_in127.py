# Table 14 r1: parametric ResNet-50 trained on ImageNet-127 (the 1000 classes grouped into 127 by a
# top-down WordNet clustering, as in Huh et al. 2016), the ImageNet recipe; evaluation (App. E):
# top-1 nearest-neighbour accuracy on the 1000 classes in the final feature space (val queries,
# training images as gallery) and the 127-class top-1.
# The grouping is user-supplied: ``data/imagenet/meta/imagenet127.txt`` with one line
# "<fine class index (sorted-wnid order) | class name | wnid> <coarse index> [coarse name]" per
# ImageNet class (see mmproto.datasets.load_class_mapping_file).
_base_ = ['mmpretrain::resnet/resnet50_8xb32_in1k.py']

custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)
data_root = 'data/imagenet'
class_mapping_file = 'data/imagenet/meta/imagenet127.txt'
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
eval_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs', algorithm_keys=['fine_label']),
]
model = dict(type='EmbeddingClassifier', head=dict(num_classes=127))
data_preprocessor = dict(num_classes=127)
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='CoarseLabelDataset',
        dataset=dict(type='ImageNet', data_root=data_root, split='train'),
        class_mapping_file=class_mapping_file,
        pipeline=train_pipeline,
    )
)
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='QueryGalleryDataset',
        query=dict(
            type='CoarseLabelDataset',
            dataset=dict(type='ImageNet', data_root=data_root, split='val'),
            class_mapping_file=class_mapping_file,
            pipeline=eval_pipeline,
        ),
        gallery=dict(
            type='CoarseLabelDataset',
            dataset=dict(type='ImageNet', data_root=data_root, split='train'),
            class_mapping_file=class_mapping_file,
            pipeline=eval_pipeline,
        ),
    )
)
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, type='InductionAccuracy', k=1)
test_evaluator = val_evaluator
train_cfg = dict(val_interval=100)  # the 1.28M-image gallery pass runs once, at the end
