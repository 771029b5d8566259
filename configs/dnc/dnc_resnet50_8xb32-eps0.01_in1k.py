# Table 22: DNC-ResNet-50 with Sinkhorn temperature epsilon=0.01 in Eq. 6 (default 0.05).
_base_ = ['./dnc_resnet50_8xb32_in1k.py']

model = dict(head=dict(sinkhorn_eps=0.01))
