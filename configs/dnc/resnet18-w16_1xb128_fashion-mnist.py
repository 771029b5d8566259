# Linear-head baseline with a small ResNet-18 (BasicBlocks 2-2-2-2, 16 base channels: widths
# 16-32-64-128, greyscale input) on Fashion-MNIST at 32x32: the classification pretraining of the
# Fashion-MNIST scenes segmentation configs (configs/dnc_seg/*_fashion-mnist-scenes-64x64.py);
# tools/model_converters/dnc2mmseg.py turns its checkpoint into their backbone.
# Data: python tools/dataset_converters/prepare_fashion_mnist.py  (-> data/fashion_mnist)
_base_ = './lenet5_1xb128_fashion-mnist.py'

model = dict(
    backbone=dict(
        _delete_=True,
        type='ResNet',
        depth=18,
        in_channels=1,
        stem_channels=16,
        base_channels=16,
        out_indices=(3,),
    ),
    head=dict(in_channels=128),
)
# 3 epochs (1407 iterations) of SGD + cosine
param_scheduler = dict(T_max=3)
train_cfg = dict(max_epochs=3)
