"""DNC-DeepLabV3 decode head (DNC §4.2, Table 3)."""

from mmseg.models.decode_heads import ASPPHead
from mmseg.registry import MODELS

from .dnc_decode_head_mixin import DNCDecodeHeadMixin


@MODELS.register_module()
class DNCASPPHead(DNCDecodeHeadMixin, ASPPHead):
    """mmseg ``ASPPHead`` (DeepLabV3 (ASPP)) whose 1x1 ``conv_seg`` is replaced by nearest class
    sub-centroids: see :class:`DNCDecodeHeadMixin` for the DNC arguments; the others are
    ``ASPPHead``'s."""
