# DNC on Fashion-MNIST for 5 epochs (the quick-start recipe, dnc_lenet5_1xb128_fashion-mnist.py,
# shortened for the CPU): reference of the anchored run beside it (Table 4 protocol).
_base_ = './dnc_lenet5_1xb128_fashion-mnist.py'

param_scheduler = dict(T_max=5)
train_cfg = dict(max_epochs=5, val_interval=5)
