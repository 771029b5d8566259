# DeiT-S + linear classifier, ImageNet-1K: mmpretrain's DeiT recipe (AdamW, lr 1e-3, wd 0.05, 300 epochs,
# cosine, 20 warm-up epochs, label smoothing 0.1, Mixup 0.8 / CutMix 1.0, Swin augmentations), batch
# 1024 = 8 x 128.
_base_ = 'mmpretrain::deit/deit-small_4xb256_in1k.py'

custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)

train_dataloader = dict(batch_size=128)
