from .deepnca_head import DeepNCAHead
from .deepncm_head import DeepNCMHead
from .dnc_head import DNCHead
from .fixed_prototype_ce_head import FixedPrototypeCEHead
from .fixed_prototype_head import FixedPrototypeHead
from .hyperspherical_head import HypersphericalHead
from .multi_center_arcface_head import MultiCenterArcFaceClsHead
from .multi_center_head import MultiCenterClsHead, MultiCenterMixin
from .multi_center_lsoftmax_head import MultiCenterLSoftmaxClsHead
from .uniformity_linear_head import UniformityLinearClsHead

__all__ = [
    'DNCHead',
    'DeepNCAHead',
    'DeepNCMHead',
    'FixedPrototypeCEHead',
    'FixedPrototypeHead',
    'HypersphericalHead',
    'MultiCenterArcFaceClsHead',
    'MultiCenterClsHead',
    'MultiCenterLSoftmaxClsHead',
    'MultiCenterMixin',
    'UniformityLinearClsHead',
]
