"""Pure-tensor algorithms (no OpenMMLab imports): one equation, one place."""

from .kmeans import classwise_spherical_kmeans
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
from .own_class_similarity import check_labels, expand_valid, own_class_similarity
from .sinkhorn import assign_from_transport, classwise_sinkhorn
from .subcentroid_update import momentum_update, momentum_update_rows, subcentroid_statistics

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
