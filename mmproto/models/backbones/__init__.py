from .hpn_resnet import HPNResNet
from .regnety import RegNetY
