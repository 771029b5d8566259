# Linear (softmax) baseline trained on 3 coarse Fashion-MNIST groups; induction accuracy (App. E).
_base_ = ['./_base_/fashion-mnist-coarse3_induction.py']
