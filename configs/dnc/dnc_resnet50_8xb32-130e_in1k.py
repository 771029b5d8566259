# Table 19 r2: DNC-ResNet-50 trained for 130 epochs, the schedule of DeepNCA (lr / 10 every 40
# epochs) that it is compared with.
_base_ = ['./dnc_resnet50_8xb32_in1k.py']

param_scheduler = dict(
    _delete_=True, type='MultiStepLR', by_epoch=True, milestones=[40, 80, 120], gamma=0.1
)
train_cfg = dict(max_epochs=130)
