"""Pure-tensor algorithms (no OpenMMLab imports): one equation, one place."""

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
from .kmeans import classwise_spherical_kmeans
from .own_class_similarity import check_labels, expand_valid, own_class_similarity
from .sinkhorn import assign_from_transport, classwise_sinkhorn
from .subcentroid_update import momentum_update, momentum_update_rows, subcentroid_statistics

__all__ = [
    'assign_from_transport',
    'check_labels',
    'classwise_sinkhorn',
    'classwise_spherical_kmeans',
    'expand_valid',
    'momentum_update',
    'momentum_update_rows',
    'own_class_similarity',
    'subcentroid_statistics',
]
