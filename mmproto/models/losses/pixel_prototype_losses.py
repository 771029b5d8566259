"""ProtoSeg's pixel-prototype losses, optional extras of the DNC decode heads.

ProtoSeg: T. Zhou et al., "Rethinking Semantic Segmentation: A Prototype View", CVPR 2022 —
pixel-prototype contrastive learning (PPC) and pixel-prototype distance optimisation (PPD), used
there with weights 0.01 and 0.001 next to the cross-entropy. The DNC paper names no extra loss
(Eq. 7 only), so both default to weight 0.

Both act on ``sims [N, C, K]``, the cosines of N pixel embeddings to all C x K sub-centroids
(invalid sub-centroids ``-inf``), with ``labels [N]`` (``< 0``: ignored pixel) and the
clustering assignment ``assign [N]`` (sub-centroid index within the pixel's class). The target
sub-centroid of a pixel is ``(labels, assign)``; ignored pixels are removed with a validity
mask, never by an ``ignore_index`` on the flattened ``c * K + k`` id (with mmseg's 255 and
C * K > 255, e.g. ADE20K 150 x 10, such ids would collide).
"""

import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor, nn


def _check(sims: Tensor, labels: Tensor, assign: Tensor) -> Tensor:
    """Validity mask ``[N]`` after shape checks."""
    if sims.ndim != 3 or labels.shape != sims.shape[:1] or assign.shape != labels.shape:
        raise ValueError(
            f'expected sims [N, C, K], labels [N], assign [N]; got {tuple(sims.shape)}, '
            f'{tuple(labels.shape)}, {tuple(assign.shape)}'
        )
    valid = labels >= 0
    if bool((assign[valid] < 0).any()) or bool((assign[valid] >= sims.shape[2]).any()):
        raise ValueError('assign has a sub-centroid index outside [0, K) for a labelled pixel')
    return valid


def pixel_prototype_contrast(sims: Tensor, labels: Tensor, assign: Tensor, temperature: float):
    """PPC (ProtoSeg): cross-entropy of each pixel over all C*K sub-centroids.

    ``-log softmax_{c,k}(<x, p^c_k> / T)[y, a]`` averaged over labelled pixels, where ``y``
    is the pixel's class and ``a`` its assigned sub-centroid (ProtoSeg, PPC).
    """
    valid = _check(sims, labels, assign)
    if not bool(valid.any()):
        return sims.sum() * 0.0
    n, c, k = sims.shape
    logits = sims[valid].reshape(-1, c * k).float() / temperature
    target = labels[valid] * k + assign[valid]
    return F.cross_entropy(logits, target)


def pixel_prototype_distance(sims: Tensor, labels: Tensor, assign: Tensor):
    """PPD (ProtoSeg): ``(1 - <x, p^y_a>)^2`` averaged over labelled pixels."""
    valid = _check(sims, labels, assign)
    if not bool(valid.any()):
        return sims.sum() * 0.0
    idx = valid.nonzero().squeeze(1)
    cos = sims[idx, labels[idx], assign[idx]].float()
    return ((1.0 - cos) ** 2).mean()


@MODELS.register_module()
class PixelPrototypeContrastLoss(nn.Module):
    """Pixel-prototype contrast (PPC) of ProtoSeg; weight 0.01 there, off (0) by default.

    Args:
        loss_weight: weight of the term (0 disables it: the head then skips it entirely).
        temperature: divisor of the cosines (ProtoSeg: 1.0, i.e. raw cosines; the disabled
            contrast term of the DNC code: 0.1).
        loss_name: key in the losses dict.
    """

    def __init__(
        self, loss_weight: float = 0.0, temperature: float = 1.0, loss_name: str = 'loss_ppc'
    ):
        super().__init__()
        if temperature <= 0:
            raise ValueError(f'PixelPrototypeContrastLoss temperature must be > 0: {temperature}')
        self.loss_weight, self.temperature, self._loss_name = loss_weight, temperature, loss_name

    def forward(self, sims: Tensor, labels: Tensor, assign: Tensor) -> Tensor:
        return self.loss_weight * pixel_prototype_contrast(sims, labels, assign, self.temperature)

    @property
    def loss_name(self) -> str:
        return self._loss_name


@MODELS.register_module()
class PixelPrototypeDistanceLoss(nn.Module):
    """Pixel-prototype distance (PPD) of ProtoSeg; weight 0.001 there, off (0) by default."""

    def __init__(self, loss_weight: float = 0.0, loss_name: str = 'loss_ppd'):
        super().__init__()
        self.loss_weight, self._loss_name = loss_weight, loss_name

    def forward(self, sims: Tensor, labels: Tensor, assign: Tensor) -> Tensor:
        return self.loss_weight * pixel_prototype_distance(sims, labels, assign)

    @property
    def loss_name(self) -> str:
        return self._loss_name


__all__ = [
    'PixelPrototypeContrastLoss',
    'PixelPrototypeDistanceLoss',
    'pixel_prototype_contrast',
    'pixel_prototype_distance',
]
