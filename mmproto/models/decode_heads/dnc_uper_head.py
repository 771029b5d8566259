"""DNC-UperNet decode head (DNC §4.2, Table 3)."""

from mmseg.models.decode_heads import UPerHead
from mmseg.registry import MODELS

from .dnc_decode_head_mixin import DNCDecodeHeadMixin


@MODELS.register_module()
class DNCUPerHead(DNCDecodeHeadMixin, UPerHead):
    """mmseg ``UPerHead`` (UperNet) whose 1x1 ``conv_seg`` is replaced by nearest class
    sub-centroids: see :class:`DNCDecodeHeadMixin` for the DNC arguments; the others are
    ``UPerHead``'s."""
