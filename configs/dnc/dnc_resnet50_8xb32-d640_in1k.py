# Table 21: DNC-ResNet-50 with a 640-d output (a linear projection of the pooled 2048-d feature);
# sub-centroids and memory live in 640 dimensions (default: 2048, no projection).
_base_ = ['./dnc_resnet50_8xb32_in1k.py']

model = dict(
    neck=dict(
        _delete_=True,
        type='LinearNeck',
        in_channels=2048,
        out_channels=640,
        gap_dim=2,  # global average pooling, then Linear(2048, 640)
        norm_cfg=None,
    ),
    head=dict(in_channels=640),
)
