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
