# The config beside it with the backbone pretrained on Fashion-MNIST with the linear head (configs/dnc/resnet18-w16_1xb128_fashion-mnist.py),
# converted by: python tools/model_converters/dnc2mmseg.py \
#     work_dirs/resnet18-w16_1xb128_fashion-mnist/epoch_3.pth checkpoints/resnet18-w16_1xb128_fashion-mnist_mmseg.pth
_base_ = './fcn_r18-w16-d8_1xb8-2k_fashion-mnist-scenes-64x64.py'

checkpoint_file = 'checkpoints/resnet18-w16_1xb128_fashion-mnist_mmseg.pth'
model = dict(
    backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=checkpoint_file, prefix='backbone.'))
)
