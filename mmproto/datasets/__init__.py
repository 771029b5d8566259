from .mini_imagenet import MiniImageNet
