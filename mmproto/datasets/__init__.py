from .coarse_label import COARSE_PRESETS, CoarseLabelDataset, load_class_mapping_file
from .imagenetv2 import ImageNetV2
from .query_gallery import QueryGalleryDataset

__all__ = [
    'COARSE_PRESETS',
    'CoarseLabelDataset',
    'ImageNetV2',
    'QueryGalleryDataset',
    'load_class_mapping_file',
]
