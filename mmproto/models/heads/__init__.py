from .dnc_head import DNCHead
from .multi_center_arcface_head import MultiCenterArcFaceClsHead
from .multi_center_head import MultiCenterClsHead, MultiCenterMixin
from .multi_center_lsoftmax_head import MultiCenterLSoftmaxClsHead

__all__ = [
    'DNCHead',
    'MultiCenterArcFaceClsHead',
    'MultiCenterClsHead',
    'MultiCenterLSoftmaxClsHead',
    'MultiCenterMixin',
]
