# Table 5a: DNC-ResNet-101 with K=3 sub-centroids per class (default K=4).
_base_ = ['./dnc_resnet101_8xb32_in1k.py']

model = dict(head=dict(num_subcentroids=3))
