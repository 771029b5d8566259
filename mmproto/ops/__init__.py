"""Pure-tensor algorithms (no OpenMMLab imports): one equation, one place."""

from .class_frequency import subcentroids_from_class_counts
from .knn import knn_class_scores
from .nearest_samples import init_nearest_samples, merge_nearest_samples, update_nearest_samples
