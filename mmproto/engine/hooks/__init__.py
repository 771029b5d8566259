from .nca_memory_hook import NCAMemoryHook
from .subcentroid_anchor_hook import SubCentroidAnchorHook
from .subcentroid_update_hook import SubCentroidUpdateHook, find_subcentroid_modules

__all__ = [
    'NCAMemoryHook',
    'SubCentroidAnchorHook',
    'SubCentroidUpdateHook',
    'find_subcentroid_modules',
]
