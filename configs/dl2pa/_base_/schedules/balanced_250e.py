# DL2PA supplement 7.1 (CIFAR-100, ImageNet-200): SGD lr 0.01, momentum 0.9, batch 128,
# 250 epochs, lr / 10 at 100 and 200. Weight decay is lost in the paper's text; 1e-4 is the
# official code's value.
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4))
param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestones=[100, 200], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=250, val_interval=10)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=128)
