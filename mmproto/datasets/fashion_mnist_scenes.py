"""Segmentation scenes composed of Fashion-MNIST items (tools/dataset_converters/
prepare_fashion_mnist_scenes.py): the CPU-sized real-image dataset of the DNC seg quick start."""

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

__all__ = ['FashionMNISTScenesDataset']

# the 10 Fashion-MNIST classes in label order (label 0 is the background)
FASHION_MNIST_CLASSES = (
    'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
    'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
)  # fmt: skip


@DATASETS.register_module()
class FashionMNISTScenesDataset(BaseSegDataset):
    """Fashion-MNIST scenes in mmseg's layout: ``img_dir/{train,val}/*.png`` (greyscale) and
    ``ann_dir/{train,val}/*.png`` with 0 = background, ``1 + c`` = Fashion-MNIST class ``c``,
    255 = ambiguous (ignored).

    Args:
        **kwargs: ``BaseSegDataset``'s (``data_root``, ``data_prefix=dict(img_path=
            'img_dir/train', seg_map_path='ann_dir/train')``, ``pipeline``, ...).
    """

    METAINFO = dict(
        classes=('background',) + FASHION_MNIST_CLASSES,
        palette=[
            [0, 0, 0], [230, 25, 75], [60, 180, 75], [255, 225, 25], [0, 130, 200],
            [245, 130, 48], [145, 30, 180], [70, 240, 240], [240, 50, 230], [210, 245, 60],
            [250, 190, 212],
        ],
    )  # fmt: skip

    def __init__(self, img_suffix='.png', seg_map_suffix='.png', reduce_zero_label=False, **kwargs):
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            reduce_zero_label=reduce_zero_label,
            **kwargs,
        )
