from .hpn_resnet import HPNResNet
from .regnety import RegNetY
from .sgformer import SGFormer
