from .dnc_aspp_head import DNCASPPHead
from .dnc_decode_head_mixin import DNCDecodeHeadMixin
from .dnc_fcn_head import DNCFCNHead
from .dnc_uper_head import DNCUPerHead

__all__ = ['DNCASPPHead', 'DNCDecodeHeadMixin', 'DNCFCNHead', 'DNCUPerHead']
