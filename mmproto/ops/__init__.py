"""Pure-tensor algorithms (no OpenMMLab imports): one equation, one place."""

from .assignment import assignment_scores, label_to_prototype_assignment, solve_linear_assignment
from .kmeans import classwise_spherical_kmeans
from .own_class_similarity import check_labels, expand_valid, own_class_similarity
from .prototypes import (
    check_prototypes,
    embedding_prototypes,
    hpn_prototypes,
    optimise_prototypes,
    pairwise_cosine_stats,
    simplex_etf,
)
from .sinkhorn import assign_from_transport, classwise_sinkhorn
from .subcentroid_update import momentum_update, subcentroid_statistics
from .uniformity import gaussian_potential, uniformity_loss

__all__ = [
    'assign_from_transport',
    'assignment_scores',
    'check_labels',
    'check_prototypes',
    'classwise_sinkhorn',
    'classwise_spherical_kmeans',
    'embedding_prototypes',
    'expand_valid',
    'gaussian_potential',
    'hpn_prototypes',
    'label_to_prototype_assignment',
    'momentum_update',
    'optimise_prototypes',
    'own_class_similarity',
    'pairwise_cosine_stats',
    'simplex_etf',
    'solve_linear_assignment',
    'subcentroid_statistics',
    'uniformity_loss',
]
