# Table 2 r6 / Table 11 r6: DNC-Swin-Small on ImageNet, the DNC-Swin-Tiny recipe (no Mixup / CutMix
# and label smoothing, K=4, mu=0.999, memory of 500 global batches of 1024) on the Swin-S backbone
# of mmpretrain's swin-small_16xb64_in1k (drop path 0.3).
_base_ = ['./dnc_swin-tiny_16xb64_in1k.py']

model = dict(backbone=dict(arch='small', drop_path_rate=0.3))
