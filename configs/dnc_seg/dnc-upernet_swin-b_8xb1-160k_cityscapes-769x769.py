# DNC segmentation model (DNC §4.2): the 1x1 conv_seg is removed and pixels are classified by
# their nearest class sub-centroid (Eq. 4, 7), sub-centroids estimated by class-wise Sinkhorn
# clustering of the batch pixels (Eq. 5-6) and momentum updates (Eq. 8) driven by the hook.
_base_ = './upernet_swin-b_8xb1-160k_cityscapes-769x769.py'

model = dict(
    decode_head=dict(
        type='DNCUPerHead',
        num_subcentroids=10,  # K
        momentum=0.999,  # mu, Eq. 8
    )
)
custom_hooks = [dict(type='SubCentroidUpdateHook')]
