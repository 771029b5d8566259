# DL2PA (ours) on ImageNet-LT: ResNet-50 -> Linear to d=512 -> BN + l2, DR loss, Mixup 1.0
# Recipe: LONG-TAIL (Tables 4-6; configs/dl2pa/README.md, 'Two recipes'): prototype heads regress
# h = l2(BN(f)) with the DR loss; Mixup alpha 1; _base_/schedules/longtail_200e.py.
_base_ = ['./dl2pa_resnet50-d4096-linear_1xb128-200e-mixup_in1k-lt.py']

model = dict(neck=dict(out_channels=512), head=dict(in_channels=512))
