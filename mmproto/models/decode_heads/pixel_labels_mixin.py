"""The ground truth of an mmseg decode head at the resolution of its pixel features."""

from typing import Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor


class PixelLabelsMixin:
    """:meth:`pixel_labels` for the mmproto decode-head mixins (DNC, pixel contrast), which
    score or contrast feature-map pixels instead of the upsampled logits."""

    def pixel_labels(self, batch_data_samples: Sequence, size: Tuple[int, int]) -> Tensor:
        """Ground truth nearest-resized to the feature map ``size = (h, w)``, ``[B, h*w]`` in
        row-major pixel order; ``ignore_index`` becomes -1.

        Raises:
            ValueError: a label that is neither ``ignore_index`` nor in ``[0, num_classes)``.
        """
        gt = self._stack_batch_gt(batch_data_samples).float()  # [B, 1, H0, W0]
        gt = F.interpolate(gt, size=tuple(size), mode='nearest').long().flatten(1)
        valid = gt != self.ignore_index
        bad = valid & ((gt < 0) | (gt >= self.num_classes))
        if bool(bad.any()):
            raise ValueError(
                f'gt_sem_seg contains label {int(gt[bad][0])}, outside [0, num_classes='
                f'{self.num_classes}) and not ignore_index={self.ignore_index}'
            )
        return torch.where(valid, gt, torch.full_like(gt, -1))
