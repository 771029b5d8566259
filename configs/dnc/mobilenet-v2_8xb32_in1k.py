# Table 8 r1: parametric MobileNet-V2 on ImageNet (mmpretrain recipe: 8 x 32, SGD 0.045, wd 4e-5,
# lr x 0.98 every epoch, 300 epochs).
_base_ = ['mmpretrain::mobilenet_v2/mobilenet-v2_8xb32_in1k.py']
