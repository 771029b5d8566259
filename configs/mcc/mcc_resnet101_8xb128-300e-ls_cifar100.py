# Multi-center classifier (MCC) on ResNet-101, CIFAR-100; label smoothing 0.1, no Mixup/CutMix.
# The linear baseline with its classifier swapped for the multi-center one (head defaults are
# the paper's: K = 2, Eq. 8 labels 0.5 / 0.25 / 0.25, sigma = exp(log_var / 2), std loss weight 1).
_base_ = './linear_resnet101_8xb128-300e-ls_cifar100.py'

custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)

# std_scale=0.1 is the official code's sigma; the paper text's 1.0 fails in the Fashion-MNIST
# study (-15 top-1 vs linear: configs/mcc/README.md, "Does it reproduce?"), so paper rows follow the code.
model = dict(head=dict(type='MultiCenterClsHead', std_scale=0.1))
