from .multi_center_arcface_head import MultiCenterArcFaceClsHead
from .multi_center_head import MultiCenterClsHead, MultiCenterMixin
from .multi_center_lsoftmax_head import MultiCenterLSoftmaxClsHead
from .dnc_head import DNCHead

__all__ = ['DNCHead']
