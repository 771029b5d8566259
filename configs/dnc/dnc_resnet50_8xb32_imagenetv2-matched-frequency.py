# Table 16 r2: ImageNet-trained DNC-ResNet-50 evaluated (test only) on the ImageNetV2
# "matched-frequency" test set (App. G):
#   python tools/test.py configs/dnc/dnc_resnet50_8xb32_imagenetv2-matched-frequency.py <DNC checkpoint>
_base_ = ['./dnc_resnet50_8xb32_in1k.py']

test_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ImageNetV2',
        data_root='data/imagenetv2/imagenetv2-matched-frequency-format-val',
        pipeline={{_base_.test_pipeline}},
    )
)
