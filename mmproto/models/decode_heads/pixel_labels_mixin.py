"""The ground truth of an mmseg decode head at the resolution of its pixel features."""

from typing import Sequence, Tuple

import torch
from torch import Tensor

from mmproto.ops import downsample_labels


class PixelLabelsMixin:
    """:meth:`pixel_labels` for the mmproto decode-head mixins (DNC, pixel contrast), which
    score or contrast feature-map pixels instead of the upsampled logits."""

    # how the ground truth reaches the feature map (:func:`mmproto.ops.downsample_labels`);
    # the DNC decode heads take it as an argument
    label_downsample: str = 'nearest'

    def pixel_labels(self, batch_data_samples: Sequence, size: Tuple[int, int]) -> Tensor:
        """Ground truth resized to the feature map ``size = (h, w)`` (``label_downsample``),
        ``[B, h*w]`` in row-major pixel order; ``ignore_index`` becomes -1.

        Raises:
            ValueError: a label (at full resolution) that is neither ``ignore_index`` nor in
                ``[0, num_classes)``.
        """
        gt = self._stack_batch_gt(batch_data_samples)[:, 0].long()  # [B, H0, W0]
        bad = (gt != self.ignore_index) & ((gt < 0) | (gt >= self.num_classes))
        if bool(bad.any()):
            raise ValueError(
                f'gt_sem_seg contains label {int(gt[bad][0])}, outside [0, num_classes='
                f'{self.num_classes}) and not ignore_index={self.ignore_index}'
            )
        gt = downsample_labels(
            gt, size, self.num_classes, self.ignore_index, self.label_downsample
        ).flatten(1)
        return torch.where(gt != self.ignore_index, gt, torch.full_like(gt, -1))
