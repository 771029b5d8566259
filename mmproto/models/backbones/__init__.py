from .hpn_resnet import HPNResNet
from .regnety import RegNetY
from .resnet_wide_last_stage import ResNetWideLastStage
from .sgformer import SGFormer
