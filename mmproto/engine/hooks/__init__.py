from .label_prototype_assignment_hook import LabelPrototypeAssignmentHook
from .prototype_precompute_hook import PrototypePrecomputeHook
from .subcentroid_update_hook import SubCentroidUpdateHook, find_subcentroid_modules

__all__ = ['SubCentroidUpdateHook', 'find_subcentroid_modules']
