from .imagenet_subsets import ImageNet200, ImageNetLT
from .long_tail import LongTailDataset, long_tail_counts, long_tail_indices
from .svhn_stl10 import STL10, SVHN
