# MC + L-AM (ArcFace additive angular margin, Table 6) on Swin-T, ImageNet-1K: cosine logits
# scaled by s, margin m on the K + 1 rows of the own class (mmpretrain ArcFaceClsHead defaults).
_base_ = './mcc_swin-tiny_8xb128-300e-ls-mixup_in1k.py'

custom_imports = dict(imports=['mmproto'], allow_failed_imports=False)

model = dict(
    head=dict(
        type='MultiCenterArcFaceClsHead',
        std_scale=0.1,  # official code; paper text 1.0 fails (configs/mcc/README.md)
        scale=64.0,
        margins=0.5,
        easy_margin=False,
    )
)
