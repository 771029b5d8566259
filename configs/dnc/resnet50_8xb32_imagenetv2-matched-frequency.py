# Table 16 r1: ImageNet-trained parametric ResNet-50 evaluated (test only) on the ImageNetV2
# "matched-frequency" test set (App. G):
#   python tools/test.py configs/dnc/resnet50_8xb32_imagenetv2-matched-frequency.py <ImageNet checkpoint>
_base_ = ['mmpretrain::resnet/resnet50_8xb32_in1k.py']

custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)
test_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ImageNetV2',
        data_root='data/imagenetv2/imagenetv2-matched-frequency-format-val',
        pipeline={{_base_.test_pipeline}},
    )
)
