# Table 2 r5 / Table 11 r5: parametric Swin-Small on ImageNet (mmpretrain recipe: 16 x 64, AdamW 1e-3, cosine with
# 20-epoch warm-up, 300 epochs, Mixup / CutMix, label smoothing 0.1).
_base_ = ['mmpretrain::swin_transformer/swin-small_16xb64_in1k.py']
