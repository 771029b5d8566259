from .hpn_resnet import HPNResNet
