# Table 17 r1: DNC-ResNet-50 on CIFAR-10 with class-wise spherical k-means instead of
# Sinkhorn-Knopp clustering (App. H).
_base_ = ['./dnc_resnet50_8xb16_cifar10.py']

model = dict(head=dict(assign='kmeans', kmeans_iters=10))
