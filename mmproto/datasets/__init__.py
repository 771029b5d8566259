from .coarse_label import COARSE_PRESETS, CoarseLabelDataset, load_class_mapping_file
from .fashion_mnist_scenes import FashionMNISTScenesDataset
from .imagenetv2 import ImageNetV2
from .query_gallery import QueryGalleryDataset

__all__ = [
    'COARSE_PRESETS',
    'CoarseLabelDataset',
    'FashionMNISTScenesDataset',
    'ImageNetV2',
    'QueryGalleryDataset',
    'load_class_mapping_file',
]
from .imagenet_subsets import ImageNet200, ImageNetLT
from .long_tail import LongTailDataset, long_tail_counts, long_tail_indices
from .mini_imagenet import MiniImageNet
from .svhn_stl10 import STL10, SVHN
