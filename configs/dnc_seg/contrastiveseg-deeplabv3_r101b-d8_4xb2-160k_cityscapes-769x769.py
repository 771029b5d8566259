# ContrastiveSeg (Wang et al., ICCV 2021) with DeepLabV3 / ResNet-101 on Cityscapes (DNC
# Table 20): the parametric DeepLabV3 of this folder's Cityscapes recipe (769x769, 4 GPUs x 2,
# 160k iterations) trained with the pixel-to-pixel contrastive loss (Eq. 3) against per-class
# pixel and segment queues. Contrast hyper-parameters: the released DeepLabV3 / ResNet-101
# Cityscapes configuration (256-d projection of the stride-8 backbone feature, temperature 0.1,
# base temperature 0.07, at most 1024 anchors with up to 100 per (image, class), weight 0.1,
# term off for the first 5000 iterations); memory: the released memory configuration (5000
# entries per class and queue, 10 pixels per (image, class) and iteration).
_base_ = ['./deeplabv3_r101b-d8_4xb2-160k_cityscapes-769x769.py']

model = dict(
    decode_head=dict(
        type='ContrastASPPHead',
        proj_channels=256,
        use_memory=True,
        memory_size=5000,
        pixel_update_freq=10,
        warmup_iters=5000,
        loss_contrast=dict(
            type='PixelContrastLoss',
            loss_weight=0.1,
            temperature=0.1,
            base_temperature=0.07,
            max_samples=1024,
            max_views=100,
        ),
    )
)
