# Table 15 r1: ImageNet-trained parametric ResNet-50 fine-tuned on CUB-200-2011 (App. F): 100 epochs,
# SGD lr 0.01 with polynomial annealing, flip / crop / normalise (mmpretrain's CUB pipeline, 448 px).
# The backbone starts from our ImageNet checkpoint (configs/dnc/resnet50_8xb32_in1k.py); set
# `checkpoint` to where yours is.
_base_ = ['mmpretrain::resnet/resnet50_8xb8_cub.py']

checkpoint = 'work_dirs/resnet50_8xb32_in1k/epoch_100.pth'
model = dict(
    backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=checkpoint, prefix='backbone'))
)
param_scheduler = dict(
    _delete_=True,
    type='PolyLR',
    power=0.9,
    eta_min=0.0,
    by_epoch=True,
    begin=0,
    end=100,
    convert_to_iter_based=True,
)
train_cfg = dict(max_epochs=100)
