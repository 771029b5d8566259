"""DeepLabV3 with ContrastiveSeg's pixel contrast (Wang et al., ICCV 2021; DNC Table 20)."""

from mmseg.models.decode_heads import ASPPHead
from mmseg.registry import MODELS

from .contrast_decode_head_mixin import PixelContrastDecodeHeadMixin


@MODELS.register_module()
class ContrastASPPHead(PixelContrastDecodeHeadMixin, ASPPHead):
    """mmseg ``ASPPHead`` trained with the pixel-to-pixel contrastive loss and memory of
    ContrastiveSeg: see :class:`PixelContrastDecodeHeadMixin` for the extra arguments; the
    others are ``ASPPHead``'s. Inference is ``ASPPHead``'s."""
