# Table 15 r2: ImageNet-trained DNC-ResNet-50 fine-tuned on CUB-200-2011 (App. F). Only the feature
# network is transferred ("the class centers are still directly computed from the training data"):
# the backbone starts from our DNC ImageNet checkpoint, the 200 x 4 sub-centroids are estimated
# anew (memory of 90 global batches of 64, about one epoch of the 5,994 training images).
_base_ = ['./resnet50_8xb8-100e_cub.py']

custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)
checkpoint = 'work_dirs/dnc_resnet50_8xb32_in1k/epoch_100.pth'
model = dict(
    backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=checkpoint, prefix='backbone')),
    head=dict(
        _delete_=True,
        type='DNCHead',
        num_classes=200,
        in_channels=2048,
        num_subcentroids=4,
        momentum=0.999,
        memory_size=90 * 64,
    ),
)
# the feature memory serves exact resume only: the latest checkpoint alone keeps it
custom_hooks = [dict(type='SubCentroidUpdateHook'), dict(type='LatestTrainingStateHook')]
