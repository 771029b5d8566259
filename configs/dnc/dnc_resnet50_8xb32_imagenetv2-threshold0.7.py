# Table 16 r4: ImageNet-trained DNC-ResNet-50 evaluated (test only) on the ImageNetV2
# "threshold0.7" test set (App. G).
_base_ = ['./dnc_resnet50_8xb32_imagenetv2-matched-frequency.py']

test_dataloader = dict(dataset=dict(data_root='data/imagenetv2/imagenetv2-threshold0.7-format-val'))
