# Table 16 r6: ImageNet-trained DNC-ResNet-50 evaluated (test only) on the ImageNetV2
# "top-images" test set (App. G).
_base_ = ['./dnc_resnet50_8xb32_imagenetv2-matched-frequency.py']

test_dataloader = dict(dataset=dict(data_root='data/imagenetv2/imagenetv2-top-images-format-val'))
