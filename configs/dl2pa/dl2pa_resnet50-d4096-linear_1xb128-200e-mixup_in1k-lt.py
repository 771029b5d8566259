# DL2PA on ImageNet-LT, d = 4096 by a projection instead of the official widened layer4:
# ResNet-50 (2048-d) -> Linear to 4096 (LinearNeck, no norm) -> BN + l2, DR loss, Mixup 1.0.
# Recipe: LONG-TAIL (Tables 4-6; configs/dl2pa/README.md, 'Two recipes'): prototype heads regress
# h = l2(BN(f)) with the DR loss; Mixup alpha 1; _base_/schedules/longtail_200e.py.
_base_ = ['./dl2pa_resnet50-d4096_1xb128-200e-mixup_in1k-lt.py']

model = dict(
    backbone=dict(type='ResNet', _delete_=True, depth=50, num_stages=4, out_indices=(3,)),
    neck=dict(
        _delete_=True,
        type='LinearNeck',
        in_channels=2048,
        out_channels=4096,
        gap_dim=2,
        norm_cfg=None,
    ),
)
