from .contrast_aspp_head import ContrastASPPHead
from .contrast_decode_head_mixin import PixelContrastDecodeHeadMixin
from .dnc_aspp_head import DNCASPPHead
from .dnc_decode_head_mixin import DNCDecodeHeadMixin
from .dnc_fcn_head import DNCFCNHead
from .dnc_uper_head import DNCUPerHead
from .pixel_labels_mixin import PixelLabelsMixin

__all__ = [
    'ContrastASPPHead',
    'DNCASPPHead',
    'DNCDecodeHeadMixin',
    'DNCFCNHead',
    'DNCUPerHead',
    'PixelContrastDecodeHeadMixin',
    'PixelLabelsMixin',
]
