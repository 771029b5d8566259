# Sub-category discovery on Fashion-MNIST at the paper's CIFAR-20 schedule (Table 13, App. E),
# linear baseline: the model, data and evaluation of lenet5_1xb128-3e_fashion-mnist-coarse3.py
# trained with the recipe of the Table 13 configs (resnet50_8xb16_cifar20.py, i.e. mmpretrain's
# resnet50_8xb16_cifar100.py: "the default training settings" of mmclassification, §4.1):
# 200 epochs, batch 128, SGD lr 0.1, momentum 0.9, weight decay 5e-4, lr x 0.2 at epochs 60, 120
# and 160. Evaluated every 10 epochs; besides the induction 1-NN and NC1, the classifier's top-1
# on the gallery, i.e. on training images (SubsetAccuracy -> train/top1), shows whether training
# reaches the terminal phase (train accuracy ~100 %).
_base_ = './lenet5_1xb128-3e_fashion-mnist-coarse3.py'

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=False)
)
param_scheduler = dict(
    _delete_=True, type='MultiStepLR', by_epoch=True, milestones=[60, 120, 160], gamma=0.2
)
train_cfg = dict(max_epochs=200, val_interval=10)
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=1))
val_evaluator = [
    dict(type='InductionAccuracy', k=1),
    dict(type='NeuralCollapse'),
    dict(type='SubsetAccuracy', prefix='train'),  # on the gallery (training images)
]
test_evaluator = val_evaluator
