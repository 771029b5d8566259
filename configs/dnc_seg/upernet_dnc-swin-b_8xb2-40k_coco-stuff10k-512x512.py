_base_ = './upernet_swin-b_8xb2-40k_coco-stuff10k-512x512.py'

# DNC-Swin-B (configs/dnc, Table 2)
checkpoint_file = 'checkpoints/dnc_swin-base_16xb64_in1k_mmseg.pth'
model = dict(backbone=dict(init_cfg=dict(checkpoint=checkpoint_file)))
