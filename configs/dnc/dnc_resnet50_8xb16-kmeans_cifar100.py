# Table 17 r3: DNC-ResNet-50 on CIFAR-100 with class-wise spherical k-means (App. H).
_base_ = ['./dnc_resnet50_8xb16_cifar100.py']

model = dict(head=dict(assign='kmeans', kmeans_iters=10))
