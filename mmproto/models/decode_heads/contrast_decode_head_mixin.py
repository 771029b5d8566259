"""What adds ContrastiveSeg's pixel contrast (Wang et al., ICCV 2021) to an mmseg decode head."""

from typing import Sequence, Tuple

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine import dist
from mmseg.registry import MODELS
from torch import Tensor, nn

from mmproto.models.utils import PixelSegmentQueues
from mmproto.ops import step_generator

from .pixel_labels_mixin import PixelLabelsMixin


class PixelContrastDecodeHeadMixin(PixelLabelsMixin):
    """Mixin placed before an mmseg decode head (``class ContrastASPPHead(
    PixelContrastDecodeHeadMixin, ASPPHead)``) for ContrastiveSeg training.

    The segmentation path and inference are the upstream head's, unchanged. In training a
    projection head (1x1 conv + norm + ReLU + 1x1 conv to ``proj_channels``, then l2 over the
    channels: ContrastiveSeg's ``convmlp``) maps the head's input feature (for DeepLabV3 the
    stride-8 backbone output) to pixel embeddings. :meth:`loss` adds ``loss_contrast``
    (:class:`PixelContrastLoss`, Eq. 3) over hard-sampled anchor pixels, contrasted with the
    per-class pixel and segment queues (:class:`PixelSegmentQueues`, ``use_memory=True``) or
    with each other (``use_memory=False``); the ground truth is nearest-resized to the
    embedding map and the predictions are the argmax of the seg logits. The queues are updated
    with the batch after the loss (all-gathered, identical on every rank). The contrastive
    term is weighted 0 for the first ``warmup_iters`` iterations (code: 5000), counted by the
    persistent ``contrast_iters`` buffer.

    Args:
        proj_channels: embedding dimension (256).
        use_memory: contrast with the memory queues (paper) or in-batch only.
        memory_size: entries per class and queue (code: 5000).
        pixel_update_freq: pixels per (image, class) entering the pixel queue (code: 10).
        warmup_iters: iterations before the contrastive term is switched on (code: 5000).
        loss_contrast: the contrastive loss config (``PixelContrastLoss``).
        contrast_seed: seed of the queues and of the anchor / pixel picks.
    """

    def __init__(
        self,
        *args,
        proj_channels: int = 256,
        use_memory: bool = True,
        memory_size: int = 5000,
        pixel_update_freq: int = 10,
        warmup_iters: int = 5000,
        loss_contrast: dict = dict(type='PixelContrastLoss', loss_weight=0.1),
        contrast_seed: int = 0,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        if self.input_transform == 'multiple_select':
            raise ValueError(
                f"{type(self).__name__}: input_transform='multiple_select' is not supported "
                '(the projection head takes one feature map)'
            )
        if warmup_iters < 0:
            raise ValueError(f'warmup_iters must be >= 0, got {warmup_iters}')
        in_ch = self.in_channels
        self.proj_head = nn.Sequential(
            ConvModule(in_ch, in_ch, 1, norm_cfg=self.norm_cfg, act_cfg=self.act_cfg),
            nn.Conv2d(in_ch, proj_channels, 1),
        )
        self.loss_contrast = MODELS.build(loss_contrast)
        self.queues = (
            PixelSegmentQueues(
                self.num_classes, proj_channels, memory_size, pixel_update_freq, contrast_seed
            )
            if use_memory
            else None
        )
        self.warmup_iters, self.contrast_seed = warmup_iters, contrast_seed
        self.register_buffer('contrast_iters', torch.zeros((), dtype=torch.long))

    def embed(self, inputs: Tuple[Tensor]) -> Tensor:
        """Unit pixel embeddings ``[B, proj_channels, h, w]`` of the head's input feature."""
        return F.normalize(self.proj_head(self._transform_inputs(inputs)), dim=1)

    def loss(self, inputs: Tuple[Tensor], batch_data_samples: Sequence, train_cfg) -> dict:
        emb = self.embed(inputs)
        h, w = emb.shape[2:]
        labels = self.pixel_labels(batch_data_samples, (h, w))  # validates the labels
        seg_logits = self.forward(inputs)
        losses = self.loss_by_feat(seg_logits, batch_data_samples)
        with torch.no_grad():
            logits = seg_logits.detach()
            if logits.shape[2:] != (h, w):
                logits = F.interpolate(logits, size=(h, w), mode='nearest')
            preds = logits.argmax(1).flatten(1)
        emb = emb.flatten(2).transpose(1, 2)  # [B, h*w, D]
        gen = step_generator(self.contrast_seed, int(self.contrast_iters), dist.get_rank())
        contrast = self.queues.contrast_set() if self.queues is not None else (None, None)
        loss = self.loss_contrast(emb, labels, preds, *contrast, generator=gen)
        if int(self.contrast_iters) < self.warmup_iters:
            loss = loss * 0.0  # warm-up: the term is off (kept in the graph for DDP)
        losses[self.loss_contrast.loss_name] = loss
        if self.queues is not None:
            self.queues.update(emb.detach(), labels)
        self.contrast_iters += 1
        return losses
