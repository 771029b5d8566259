"""Pure-tensor algorithms (no OpenMMLab imports): one equation, one place."""

from .assignment import assignment_scores, label_to_prototype_assignment, solve_linear_assignment
from .class_frequency import subcentroids_from_class_counts
from .classwise_cluster_statistics import classwise_cluster_statistics
from .kmeans import classwise_spherical_kmeans
from .knn import knn_class_scores
from .label_resize import LABEL_DOWNSAMPLE_MODES, downsample_labels
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
from .seeding import step_generator, step_seed
from .sinkhorn import assign_from_transport, classwise_sinkhorn
from .subcentroid_update import momentum_update, momentum_update_rows, subcentroid_statistics
from .subcentroid_usage import subcentroid_usage
from .uniformity import gaussian_potential, uniformity_loss

__all__ = [
    'step_generator',
    'step_seed',
    'additive_angular_margin',
    'LABEL_DOWNSAMPLE_MODES',
    'downsample_labels',
    'assign_from_transport',
    'assignment_scores',
    'chebyshev_cos_multiple',
    'check_label_weights',
    'check_labels',
    'check_num_subcenters',
    'check_prototypes',
    'class_block_index',
    'class_scatter',
    'classwise_cluster_statistics',
    'classwise_sinkhorn',
    'classwise_spherical_kmeans',
    'decay_mean_update',
    'embedding_prototypes',
    'expand_valid',
    'gaussian_potential',
    'gaussian_std_kl',
    'hard_anchor_sampling',
    'hpn_prototypes',
    'init_nearest_samples',
    'knn_class_scores',
    'label_to_prototype_assignment',
    'large_margin_psi',
    'max_separation_prototypes',
    'memory_momentum_update',
    'merge_nearest_samples',
    'momentum_update',
    'momentum_update_rows',
    'multicenter_bias',
    'multicenter_index',
    'multicenter_targets',
    'nca_loss',
    'ncm_logits',
    'neural_collapse_stats',
    'optimise_prototypes',
    'own_class_similarity',
    'pairwise_cosine_stats',
    'pixel_contrast_loss',
    'sample_subcenters',
    'simplex_etf',
    'soft_targets',
    'solve_linear_assignment',
    'split_batch_point',
    'subcenter_std',
    'subcentroid_statistics',
    'subcentroid_usage',
    'subcentroids_from_class_counts',
    'uniformity_loss',
    'update_nearest_samples',
]
