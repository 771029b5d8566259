# Table 21: DNC-ResNet-50 with a 1024-d output (a linear projection of the pooled 2048-d feature);
# sub-centroids and memory live in 1024 dimensions (default: 2048, no projection).
_base_ = ['./dnc_resnet50_8xb32_in1k.py']

model = dict(
    neck=dict(
        _delete_=True,
        type='LinearNeck',
        in_channels=2048,
        out_channels=1024,
        gap_dim=2,  # global average pooling, then Linear(2048, 1024)
        norm_cfg=None,
    ),
    head=dict(in_channels=1024),
)
