"""Tiny generated datasets written to disk in the layouts mmpretrain / mmseg read."""

import os
import os.path as osp
from typing import Optional

import numpy as np
from PIL import Image


def make_cls_folder(
    root: str,
    num_classes: int = 3,
    per_class: int = 4,
    size: int = 32,
    seed: int = 0,
    ann_file: Optional[str] = None,
) -> str:
    """Write ``root/class_{c}/img_{i}.png`` (readable by mmpretrain's ``CustomDataset``).

    Each class gets its own mean colour plus noise, so a model can learn it. If ``ann_file``
    is given, also write an annotation list ``<relative path> <label>`` per line.

    Returns:
        str: ``root``.
    """
    rng = np.random.default_rng(seed)
    lines = []
    for c in range(num_classes):
        os.makedirs(osp.join(root, f'class_{c}'), exist_ok=True)
        colour = rng.integers(0, 256, size=3)
        for i in range(per_class):
            noise = rng.integers(-40, 41, size=(size, size, 3))
            img = np.clip(colour + noise, 0, 255).astype(np.uint8)
            rel = osp.join(f'class_{c}', f'img_{i}.png')
            Image.fromarray(img).save(osp.join(root, rel))
            lines.append(f'{rel} {c}')
    if ann_file is not None:
        with open(ann_file, 'w') as f:
            f.write('\n'.join(lines) + '\n')
    return root


def make_seg_folder(
    root: str,
    num_classes: int = 4,
    num_images: int = 4,
    size: int = 32,
    ignore_index: int = 255,
    ignore_ratio: float = 0.1,
    seed: int = 0,
    img_suffix: str = '.jpg',
    seg_map_suffix: str = '.png',
) -> str:
    """Write ``root/img_dir/{i}.jpg`` and ``root/ann_dir/{i}.png`` (mmseg ``BaseSegDataset``).

    Masks are random rectangles of class ids in ``[0, num_classes)``, with about
    ``ignore_ratio`` of the pixels set to ``ignore_index``; image colour follows the class.

    Returns:
        str: ``root``.
    """
    rng = np.random.default_rng(seed)
    os.makedirs(osp.join(root, 'img_dir'), exist_ok=True)
    os.makedirs(osp.join(root, 'ann_dir'), exist_ok=True)
    palette = rng.integers(0, 256, size=(num_classes, 3))
    for i in range(num_images):
        mask = np.full((size, size), rng.integers(num_classes), dtype=np.uint8)
        for _ in range(4):
            y0, x0 = rng.integers(0, size - 2, size=2)
            h, w = rng.integers(2, size // 2 + 2, size=2)
            mask[y0 : y0 + h, x0 : x0 + w] = rng.integers(num_classes)
        img = palette[mask] + rng.integers(-30, 31, size=(size, size, 3))
        mask[rng.random((size, size)) < ignore_ratio] = ignore_index
        Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(
            osp.join(root, 'img_dir', f'{i}{img_suffix}')
        )
        Image.fromarray(mask).save(osp.join(root, 'ann_dir', f'{i}{seg_map_suffix}'))
    return root


def make_fashion_mnist_idx(root: str, per_split: int = 8, seed: int = 0) -> str:
    """Write the four un-gzipped idx files mmpretrain's ``FashionMNIST`` reads (``per_split``
    28x28 images per split, labels ``0, 1, ..., 9, 0, ...``).

    Returns:
        str: ``root``.
    """
    import struct

    rng = np.random.default_rng(seed)
    os.makedirs(root, exist_ok=True)
    for split in ('train', 't10k'):
        labels = (np.arange(per_split) % 10).astype(np.uint8)
        images = rng.integers(0, 256, size=(per_split, 28, 28), dtype=np.uint8)
        with open(osp.join(root, f'{split}-images-idx3-ubyte'), 'wb') as f:
            f.write(struct.pack('>IIII', 2051, per_split, 28, 28) + images.tobytes())
        with open(osp.join(root, f'{split}-labels-idx1-ubyte'), 'wb') as f:
            f.write(struct.pack('>II', 2049, per_split) + labels.tobytes())
    return root
