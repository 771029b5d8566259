# Table 5c: mu ablation of the diagnostic DNC-DeepLabV3 (ADE20K, 80k iterations).
_base_ = './dnc-deeplabv3_r101b-d8_4xb4-80k_ade20k-512x512.py'

model = dict(decode_head=dict(momentum=0.9999))
