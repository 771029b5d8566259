"""ContrastiveSeg's pixel-to-pixel contrastive loss (Wang et al., ICCV 2021) for mmseg heads."""

from typing import Optional

import torch
from mmseg.registry import MODELS
from torch import Tensor, nn

from mmproto.ops.pixel_contrast import hard_anchor_sampling, pixel_contrast_loss


@MODELS.register_module()
class PixelContrastLoss(nn.Module):
    """``loss_weight x`` Eq. 3 (ContrastiveSeg) over hard-sampled anchor pixels.

    Defaults are the released DeepLabV3 / ResNet-101 Cityscapes configuration (weight 0.1,
    temperature 0.1, base temperature 0.07, 1024 anchors at most, 100 per (image, class)).

    Args:
        loss_weight: ``lambda`` of the total loss ``L_CE + lambda L_NCE``.
        temperature, base_temperature: see :func:`pixel_contrast_loss`.
        max_samples, max_views: see :func:`hard_anchor_sampling`.
        loss_name: key in the losses dict.
    """

    def __init__(
        self,
        loss_weight: float = 0.1,
        temperature: float = 0.1,
        base_temperature: float = 0.07,
        max_samples: int = 1024,
        max_views: int = 100,
        loss_name: str = 'loss_contrast',
    ):
        super().__init__()
        if temperature <= 0 or base_temperature <= 0:
            raise ValueError(
                f'PixelContrastLoss temperatures must be > 0, got {temperature}, '
                f'{base_temperature}'
            )
        if max_samples < 1 or max_views < 1:
            raise ValueError(
                f'PixelContrastLoss max_samples / max_views must be >= 1, got {max_samples}, '
                f'{max_views}'
            )
        self.loss_weight, self.temperature = loss_weight, temperature
        self.base_temperature, self.max_samples, self.max_views = (
            base_temperature,
            max_samples,
            max_views,
        )
        self._loss_name = loss_name

    def forward(
        self,
        emb: Tensor,
        labels: Tensor,
        preds: Tensor,
        contrast: Optional[Tensor] = None,
        contrast_labels: Optional[Tensor] = None,
        generator: Optional[torch.Generator] = None,
    ) -> Tensor:
        """``emb [B, N, D]`` unit pixel embeddings, ``labels`` / ``preds`` ``[B, N]``; the
        contrast set (memory) or ``None`` for in-batch contrast."""
        idx, classes = hard_anchor_sampling(
            labels, preds, self.max_samples, self.max_views, generator
        )
        flat = emb.reshape(-1, emb.shape[-1])
        anchors = flat[idx.reshape(-1)]  # [A * V, D]
        anchor_labels = classes.repeat_interleave(idx.shape[1]) if idx.numel() else classes
        loss = pixel_contrast_loss(
            anchors, anchor_labels, contrast, contrast_labels, self.temperature,
            self.base_temperature,
        )  # fmt: skip
        return self.loss_weight * (loss + emb.sum() * 0.0)  # keeps every pixel in the graph

    @property
    def loss_name(self) -> str:
        return self._loss_name
