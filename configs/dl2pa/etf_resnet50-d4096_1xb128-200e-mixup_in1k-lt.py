# ETF baseline on ImageNet-LT: ResNet-50 with layer4 widened to 4096-d (official code) -> BN + l2,
# DR loss, Mixup 1.0
# (the DL2PA config with fixed ETF prototypes and the identity label assignment)
# Recipe: LONG-TAIL (Tables 4-6; configs/dl2pa/README.md, 'Two recipes'): prototype heads regress
# h = l2(BN(f)) with the DR loss; Mixup alpha 1; _base_/schedules/longtail_200e.py.
_base_ = ['./dl2pa_resnet50-d4096_1xb128-200e-mixup_in1k-lt.py']

model = dict(head=dict(dynamic_assignment=False))
custom_hooks = [dict(type='PrototypePrecomputeHook', method='etf', seed=0)]
