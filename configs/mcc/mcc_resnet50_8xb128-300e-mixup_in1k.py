# Multi-center classifier (MCC) on ResNet-50, ImageNet-1K; Mixup 0.8 / CutMix 1.0 (alternating), no label smoothing.
# The linear baseline with its classifier swapped for the multi-center one (head defaults are
# the paper's: K = 2, Eq. 8 labels 0.5 / 0.25 / 0.25, sigma = exp(log_var / 2), std loss weight 1).
_base_ = './linear_resnet50_8xb128-300e-mixup_in1k.py'

custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)

# std_scale=0.1 is the official code's sigma; the paper text's 1.0 fails in the Fashion-MNIST
# study (-15 top-1 vs linear: configs/mcc/README.md, "Does it reproduce?"), so paper rows follow the code.
model = dict(head=dict(type='MultiCenterClsHead', std_scale=0.1))
