# Table 5c: DNC-ResNet-101 with momentum mu=0.9 in Eq. 8 (default 0.999).
_base_ = ['./dnc_resnet101_8xb32_in1k.py']

model = dict(head=dict(momentum=0.9))
