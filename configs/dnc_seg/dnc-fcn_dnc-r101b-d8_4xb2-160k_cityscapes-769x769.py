_base_ = './dnc-fcn_r101b-d8_4xb2-160k_cityscapes-769x769.py'

# DNC-ResNet-101 (configs/dnc, Table 2)
checkpoint_file = 'checkpoints/dnc_resnet101_8xb32_in1k_mmseg.pth'
model = dict(backbone=dict(init_cfg=dict(checkpoint=checkpoint_file)))
