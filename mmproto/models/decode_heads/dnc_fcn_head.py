"""DNC-FCN decode head (DNC §4.2, Table 3)."""

from mmseg.models.decode_heads import FCNHead
from mmseg.registry import MODELS

from .dnc_decode_head_mixin import DNCDecodeHeadMixin


@MODELS.register_module()
class DNCFCNHead(DNCDecodeHeadMixin, FCNHead):
    """mmseg ``FCNHead`` (FCN) whose 1x1 ``conv_seg`` is replaced by nearest class
    sub-centroids: see :class:`DNCDecodeHeadMixin` for the DNC arguments; the others are
    ``FCNHead``'s."""
