# FCN (mmseg fcn_r50-d8) on the small greyscale ResNet-18 of configs/dnc/*resnet18-w16*
# (16 base channels: widths 16-32-64-128), dilated to output stride 8. Same parameter names
# and shapes as the mmpretrain classifier, so tools/model_converters/dnc2mmseg.py converts its
# checkpoints; from scratch unless a config sets backbone.init_cfg.
_base_ = 'mmseg::_base_/models/fcn_r50-d8.py'

norm_cfg = dict(type='BN', requires_grad=True)  # one process
data_preprocessor = dict(
    mean=[72.94],  # Fashion-MNIST training pixels, as the pretraining configs normalise
    std=[90.02],
    bgr_to_rgb=False,
    size=(64, 64),
)
model = dict(
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone=dict(
        type='ResNet',
        depth=18,
        in_channels=1,
        stem_channels=16,
        base_channels=16,
        norm_cfg=norm_cfg,
    ),
    decode_head=dict(in_channels=128, channels=64, num_classes=11, norm_cfg=norm_cfg),
    auxiliary_head=dict(in_channels=64, channels=32, num_classes=11, norm_cfg=norm_cfg),
)
