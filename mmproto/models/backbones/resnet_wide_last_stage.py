"""ResNet with a widened last stage (official DL2PA ImageNet-LT code, d = 4096)."""

from mmpretrain.models.backbones import ResNet
from mmpretrain.registry import MODELS


@MODELS.register_module()
class ResNetWideLastStage(ResNet):
    """mmpretrain's ResNet whose last stage has ``last_stage_planes`` bottleneck planes.

    The official DL2PA ImageNet-LT model for d = 4096 builds ResNet-50's ``layer4`` with 1024
    planes instead of 512, so the pooled feature is ``1024 x 4 = 4096``-d with no projection
    (reference notes §2.8); every other stage is ResNet-50's.

    Args:
        depth: as ``ResNet`` (50, 101, ...).
        last_stage_planes: planes of the last stage (output ``planes x expansion``).
        **kwargs: as ``ResNet``.
    """

    def __init__(self, depth: int, last_stage_planes: int = 1024, **kwargs):
        if last_stage_planes < 1:
            raise ValueError(f'last_stage_planes must be >= 1, got {last_stage_planes}')
        self.last_stage_planes = last_stage_planes
        self._stages_made = 0
        super().__init__(depth, **kwargs)

    def make_res_layer(self, **kwargs):
        self._stages_made += 1
        if self._stages_made == self.num_stages:
            kwargs['out_channels'] = self.last_stage_planes * kwargs['expansion']
        return super().make_res_layer(**kwargs)
