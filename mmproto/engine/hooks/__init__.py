from .label_prototype_assignment_hook import LabelPrototypeAssignmentHook
from .latest_training_state_hook import LatestTrainingStateHook, slim_checkpoint
from .multi_center_stats_hook import MultiCenterStatsHook, multicenter_stats
from .nca_memory_hook import NCAMemoryHook
from .prototype_precompute_hook import PrototypePrecomputeHook
from .resume_schedule_check_hook import ResumeScheduleCheckHook
from .subcentroid_anchor_hook import SubCentroidAnchorHook
from .subcentroid_update_hook import SubCentroidUpdateHook, find_subcentroid_modules
from .subcentroids_by_frequency_hook import SubCentroidsByFrequencyHook

__all__ = [
    'LabelPrototypeAssignmentHook',
    'PrototypePrecomputeHook',
    'LatestTrainingStateHook',
    'slim_checkpoint',
    'MultiCenterStatsHook',
    'multicenter_stats',
    'NCAMemoryHook',
    'ResumeScheduleCheckHook',
    'SubCentroidAnchorHook',
    'SubCentroidUpdateHook',
    'SubCentroidsByFrequencyHook',
    'find_subcentroid_modules',
]
