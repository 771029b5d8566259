from .subcentroid_update_hook import SubCentroidUpdateHook, find_subcentroid_modules

__all__ = ['SubCentroidUpdateHook', 'find_subcentroid_modules']
