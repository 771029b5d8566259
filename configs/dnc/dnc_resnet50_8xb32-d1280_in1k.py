# Table 21: DNC-ResNet-50 with a 1280-d output (linear projection of the pooled 2048-d feature).
_base_ = ['./dnc_resnet50_8xb32-d640_in1k.py']

model = dict(neck=dict(out_channels=1280), head=dict(in_channels=1280))
