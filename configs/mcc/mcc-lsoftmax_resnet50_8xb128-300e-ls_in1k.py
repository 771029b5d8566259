# MC + L-Softmax (Table 6) on ResNet-50, ImageNet-1K: margin m = 2 on the K + 1 rows of the own class,
# lambda annealed max(lambda_min, base * (1 + gamma * step) ** -power) (MCC gives no values).
_base_ = './mcc_resnet50_8xb128-300e-ls_in1k.py'

custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)

model = dict(
    head=dict(
        type='MultiCenterLSoftmaxClsHead',
        std_scale=0.1,  # official code; paper text 1.0 fails (configs/mcc/README.md)
        margin=2,
        lambda_base=1000.0,
        lambda_gamma=0.12,
        lambda_power=1.0,
        lambda_min=0.0,
    )
)
