# Table 2 r8 / Table 11 r8: DNC-Swin-Base on ImageNet, the DNC-Swin-Tiny recipe (no Mixup / CutMix
# and label smoothing, K=4, mu=0.999, memory of 500 global batches of 1024) on the Swin-B backbone
# of mmpretrain's swin-base_16xb64_in1k (drop path 0.5, 1024-d output).
_base_ = ['./dnc_swin-tiny_16xb64_in1k.py']

model = dict(backbone=dict(arch='base', drop_path_rate=0.5), head=dict(in_channels=1024))
