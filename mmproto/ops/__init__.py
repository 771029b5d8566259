"""Pure-tensor algorithms (no OpenMMLab imports): one equation, one place."""

from .assignment import assignment_scores, label_to_prototype_assignment, solve_linear_assignment
from .class_frequency import subcentroids_from_class_counts
from .classwise_cluster_statistics import classwise_cluster_statistics
from .kmeans import classwise_spherical_kmeans
from .knn import knn_class_scores
from .label_resize import LABEL_DOWNSAMPLE_MODES, downsample_labels
from .nca import memory_momentum_update, nca_loss
from .ncm import decay_mean_update, ncm_logits
from .nearest_samples import init_nearest_samples, merge_nearest_samples, update_nearest_samples
from .neural_collapse import class_scatter, neural_collapse_stats
from .own_class_similarity import check_labels, expand_valid, own_class_similarity
from .pixel_contrast import hard_anchor_sampling, pixel_contrast_loss
from .prototypes import (
    check_prototypes,
    embedding_prototypes,
    hpn_prototypes,
    max_separation_prototypes,
    optimise_prototypes,
    pairwise_cosine_stats,
    simplex_etf,
)
from .sinkhorn import assign_from_transport, classwise_sinkhorn
from .subcentroid_update import momentum_update, momentum_update_rows, subcentroid_statistics
from .subcentroid_usage import subcentroid_usage
from .uniformity import gaussian_potential, uniformity_loss

__all__ = [
    'LABEL_DOWNSAMPLE_MODES',
    'downsample_labels',
    'assign_from_transport',
    'assignment_scores',
    'check_labels',
    'check_prototypes',
    'class_scatter',
    'classwise_cluster_statistics',
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
    'neural_collapse_stats',
    'ncm_logits',
    'embedding_prototypes',
    'expand_valid',
    'gaussian_potential',
    'hard_anchor_sampling',
    'hpn_prototypes',
    'label_to_prototype_assignment',
    'max_separation_prototypes',
    'momentum_update',
    'optimise_prototypes',
    'momentum_update_rows',
    'own_class_similarity',
    'pairwise_cosine_stats',
    'pixel_contrast_loss',
    'simplex_etf',
    'solve_linear_assignment',
    'subcentroid_statistics',
    'subcentroids_from_class_counts',
    'subcentroid_usage',
    'update_nearest_samples',
    'uniformity_loss',
]
from .margins import additive_angular_margin, chebyshev_cos_multiple, large_margin_psi
from .multicenter import (
    check_label_weights,
    check_num_subcenters,
    class_block_index,
    gaussian_std_kl,
    multicenter_bias,
    multicenter_index,
    multicenter_targets,
    sample_subcenters,
    soft_targets,
    split_batch_point,
    subcenter_std,
)

__all__ = [
    'additive_angular_margin',
    'assign_from_transport',
    'chebyshev_cos_multiple',
    'check_label_weights',
    'check_labels',
    'check_num_subcenters',
    'class_block_index',
    'classwise_sinkhorn',
    'classwise_spherical_kmeans',
    'expand_valid',
    'gaussian_std_kl',
    'large_margin_psi',
    'momentum_update',
    'momentum_update_rows',
    'multicenter_bias',
    'multicenter_index',
    'multicenter_targets',
    'own_class_similarity',
    'sample_subcenters',
    'soft_targets',
    'split_batch_point',
    'subcentroid_statistics',
    'subcenter_std',
]
