"""Pure-tensor algorithms (no OpenMMLab imports): one equation, one place."""

from .class_frequency import subcentroids_from_class_counts
from .kmeans import classwise_spherical_kmeans
from .knn import knn_class_scores
from .nca import memory_momentum_update, nca_loss
from .ncm import decay_mean_update, ncm_logits
from .nearest_samples import init_nearest_samples, merge_nearest_samples, update_nearest_samples
from .own_class_similarity import check_labels, expand_valid, own_class_similarity
from .sinkhorn import assign_from_transport, classwise_sinkhorn
from .subcentroid_update import momentum_update, momentum_update_rows, subcentroid_statistics

__all__ = [
    'assign_from_transport',
    'check_labels',
    'classwise_sinkhorn',
    'classwise_spherical_kmeans',
    'decay_mean_update',
    'expand_valid',
    'init_nearest_samples',
    'knn_class_scores',
    'memory_momentum_update',
    'merge_nearest_samples',
    'momentum_update',
    'nca_loss',
    'ncm_logits',
    'momentum_update_rows',
    'own_class_similarity',
    'subcentroid_statistics',
    'subcentroids_from_class_counts',
    'update_nearest_samples',
]
