# UperNet on Swin-B (patch 4, window 7) as in mmseg's swin-base-patch4-window7-in1k-pre_upernet.
_base_ = 'mmseg::_base_/models/upernet_swin.py'

# parametric Swin-B (mmpretrain swin-base_16xb64_in1k, Table 2)
checkpoint_file = 'checkpoints/swin-base_16xb64_in1k_mmseg.pth'
model = dict(
    backbone=dict(
        init_cfg=dict(type='Pretrained', checkpoint=checkpoint_file, prefix='backbone.'),
        embed_dims=128,
        depths=[2, 2, 18, 2],
        num_heads=[4, 8, 16, 32],
        window_size=7,
        use_abs_pos_embed=False,
        drop_path_rate=0.3,
        patch_norm=True,
    ),
    decode_head=dict(in_channels=[128, 256, 512, 1024]),
    auxiliary_head=dict(in_channels=512),
)
