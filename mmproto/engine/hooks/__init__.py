from .subcentroid_anchor_hook import SubCentroidAnchorHook
from .subcentroid_update_hook import SubCentroidUpdateHook, find_subcentroid_modules

__all__ = ['SubCentroidAnchorHook', 'SubCentroidUpdateHook', 'find_subcentroid_modules']
