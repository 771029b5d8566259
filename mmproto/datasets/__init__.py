from .coarse_label import COARSE_PRESETS, CoarseLabelDataset, load_class_mapping_file
from .query_gallery import QueryGalleryDataset

__all__ = [
    'COARSE_PRESETS',
    'CoarseLabelDataset',
    'QueryGalleryDataset',
    'load_class_mapping_file',
]
