"""Pure-tensor algorithms (no OpenMMLab imports): one equation, one place."""

from .assignment import assignment_scores, label_to_prototype_assignment, solve_linear_assignment
from .prototypes import (
    check_prototypes,
    embedding_prototypes,
    hpn_prototypes,
    optimise_prototypes,
    pairwise_cosine_stats,
    simplex_etf,
)
from .uniformity import gaussian_potential, uniformity_loss
