_base_ = './dnc-deeplabv3-mu0.9_r101b-d8_4xb4-80k_ade20k-512x512.py'

# DNC-ResNet-101 (configs/dnc, Table 2)
checkpoint_file = 'checkpoints/dnc_resnet101_8xb32_in1k_mmseg.pth'
model = dict(backbone=dict(init_cfg=dict(checkpoint=checkpoint_file)))
