"""Compose segmentation scenes from Fashion-MNIST items (``FashionMNISTScenesDataset``).

Each scene is a ``S x S`` greyscale image: a textured background (smooth random field, stripes
and pixel noise, so that "background" is not "black") with 2-5 Fashion-MNIST items pasted at a
random scale and position, later items occluding earlier ones. An item's silhouette is its
support in the 28x28 image (pixels >= SUPPORT_LEVEL = 8, holes filled: dark items keep their
whole shape, the faint halo of 1-7 stays out), resized with the item. Its label map holds 0 for the
background, ``1 + class`` on each item's visible silhouette and 255 on the ambiguous pixels
(the item's soft rim, where the resized silhouette is below one half and item and background
blend). Train scenes use the 60k training
images only, val scenes the 10k test images only, each item at most once. mmseg's layout::

    OUT/img_dir/{train,val}/000000.png   greyscale scene (uint8)
    OUT/ann_dir/{train,val}/000000.png   label map (uint8: 0..10, 255)
    OUT/items_{train,val}.json           per scene: [[source index, class, x, y, size], ...]

The output is a function of the arguments alone (``--seed``)::

    python tools/dataset_converters/prepare_fashion_mnist.py        # -> data/fashion_mnist
    python tools/dataset_converters/prepare_fashion_mnist_scenes.py # -> data/fashion_mnist_scenes
"""

import argparse
import gzip
import json
import os
import os.path as osp
import struct
import sys
from typing import Dict, List, Tuple

import numpy as np
from PIL import Image

from mmproto.utils.fashion_mnist import DEBIAN_SRC

SPLITS = {'train': 'train', 'val': 't10k'}  # scene split -> Fashion-MNIST idx prefix
IGNORE_INDEX = 255
SUPPORT_LEVEL = 8  # 28x28 item pixels >= this (holes filled) are the item


def read_idx(folder: str, name: str) -> np.ndarray:
    """An idx file of ``folder`` (``name`` or ``name.gz``) as a uint8 array."""
    path = osp.join(folder, name)
    opener = open
    if not osp.isfile(path):
        path, opener = path + '.gz', gzip.open
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{folder} lacks {name} (or {name}.gz): run '
            'tools/dataset_converters/prepare_fashion_mnist.py first, or pass --src DIR'
        )
    with opener(path, 'rb') as f:
        magic, count = struct.unpack('>II', f.read(8))
        dims = struct.unpack('>' + 'I' * (magic % 256 - 1), f.read(4 * (magic % 256 - 1)))
        data = np.frombuffer(f.read(), dtype=np.uint8)
    return data.reshape((count, *dims))


def background(rng: np.random.Generator, size: int) -> np.ndarray:
    """A textured background ``[S, S]`` float in [0, 255]: a smooth random field, stripes of a
    random period and direction, pixel noise; its mean level is random (dark to mid grey)."""
    coarse = rng.uniform(0.0, 1.0, (5, 5)).astype(np.float32)
    field = np.asarray(Image.fromarray(coarse).resize((size, size), Image.BICUBIC))
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    angle, period = rng.uniform(0, np.pi), rng.uniform(4, 16)
    stripes = np.sin((xx * np.cos(angle) + yy * np.sin(angle)) * 2 * np.pi / period)
    level, amp = rng.uniform(15, 110), rng.uniform(10, 45)
    img = level + amp * (field - 0.5) + rng.uniform(0, 20) * stripes
    return np.clip(img + rng.normal(0, 8, (size, size)), 0, 255)


def item_alpha(image: np.ndarray, side: int) -> np.ndarray:
    """The item's opacity ``[side, side]`` in [0, 1]: its 28x28 support (pixels
    >= SUPPORT_LEVEL, holes filled) resized bilinearly; >= 0.5 is the silhouette, (0, 0.5)
    the ambiguous rim."""
    from scipy.ndimage import binary_fill_holes

    support = binary_fill_holes(image >= SUPPORT_LEVEL).astype(np.float32)
    resized = Image.fromarray(support).resize((side, side), Image.BILINEAR)
    return np.clip(np.asarray(resized, dtype=np.float32), 0.0, 1.0)


def compose_scene(
    rng: np.random.Generator,
    images: np.ndarray,
    labels: np.ndarray,
    pool: List[int],
    size: int,
    num_items: Tuple[int, int],
    scale: Tuple[float, float],
) -> Tuple[np.ndarray, np.ndarray, List[list]]:
    """One scene: ``(image [S, S] uint8, label map [S, S] uint8, items)``; items are taken
    from the end of ``pool`` (indices into ``images``) and removed from it."""
    img = background(rng, size)
    seg = np.zeros((size, size), dtype=np.uint8)
    placed = []
    for _ in range(int(rng.integers(num_items[0], num_items[1] + 1))):
        if not pool:
            raise ValueError('not enough Fashion-MNIST items left for the requested scenes')
        index = pool.pop()
        side = int(round(size * rng.uniform(*scale)))
        item = np.asarray(
            Image.fromarray(images[index]).resize((side, side), Image.BILINEAR), dtype=np.float32
        )
        opacity = item_alpha(images[index], side)
        x, y = (int(v) for v in rng.integers(-side // 4, size - 3 * side // 4 + 1, size=2))
        # the part of the item inside the scene
        sx0, sy0 = max(0, -x), max(0, -y)
        sx1, sy1 = min(side, size - x), min(side, size - y)
        win = (slice(y + sy0, y + sy1), slice(x + sx0, x + sx1))
        it, alpha = item[sy0:sy1, sx0:sx1], opacity[sy0:sy1, sx0:sx1]
        img[win] = alpha * it + (1 - alpha) * img[win]
        rim = (alpha > 0) & (alpha < 0.5)
        seg[win] = np.where(alpha >= 0.5, labels[index] + 1, np.where(rim, IGNORE_INDEX, seg[win]))
        placed.append([int(index), int(labels[index]), x, y, side])
    return np.clip(np.rint(img), 0, 255).astype(np.uint8), seg, placed


def prepare(
    src: str,
    out: str,
    num_train: int = 2000,
    num_val: int = 200,
    size: int = 64,
    seed: int = 0,
    num_items: Tuple[int, int] = (2, 5),
    scale: Tuple[float, float] = (0.3, 0.6),
    progress: bool = True,
) -> Dict[str, int]:
    """Write ``num_train`` / ``num_val`` scenes into ``out``; returns the count per split."""
    if not 1 <= num_items[0] <= num_items[1]:
        raise ValueError(f'--num-items must be 1 <= MIN <= MAX, got {num_items}')
    if not 0 < scale[0] <= scale[1]:
        raise ValueError(f'--scale must be 0 < MIN <= MAX, got {scale}')
    if size < 16:
        raise ValueError(f'--size must be >= 16, got {size}')
    counts = {}
    for split_id, (split, prefix) in enumerate(SPLITS.items()):
        num = num_train if split == 'train' else num_val
        images = read_idx(src, f'{prefix}-images-idx3-ubyte')
        labels = read_idx(src, f'{prefix}-labels-idx1-ubyte')
        if num * num_items[1] > len(images):
            raise ValueError(
                f'{num} {split} scenes of up to {num_items[1]} items need more than the '
                f'{len(images)} {prefix} images; lower --num-{split} or --num-items'
            )
        # each item at most once: a seeded permutation of the split's images, consumed in order
        pool = np.random.default_rng([seed, split_id]).permutation(len(images)).tolist()[::-1]
        for sub in ('img_dir', 'ann_dir'):
            os.makedirs(osp.join(out, sub, split), exist_ok=True)
        scenes = range(num)
        if progress:
            from mmengine.utils import track_iter_progress

            scenes = track_iter_progress(list(scenes), file=sys.stdout)
        items = {}
        for i in scenes:
            rng = np.random.default_rng([seed, split_id, i])
            img, seg, placed = compose_scene(rng, images, labels, pool, size, num_items, scale)
            name = f'{i:06d}'
            Image.fromarray(img).save(osp.join(out, 'img_dir', split, name + '.png'))
            Image.fromarray(seg).save(osp.join(out, 'ann_dir', split, name + '.png'))
            items[name] = placed
        with open(osp.join(out, f'items_{split}.json'), 'w') as f:
            json.dump(dict(source=f'{prefix}-images-idx3-ubyte', scenes=items), f)
        counts[split] = num
    return counts


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--src',
        help='folder of the idx files (or .gz); default: data/fashion_mnist if it exists, '
        f'else the Debian package dataset-fashion-mnist ({DEBIAN_SRC})',
    )
    parser.add_argument('--out', default='data/fashion_mnist_scenes', help='output folder')
    parser.add_argument('--num-train', type=int, default=2000, help='training scenes')
    parser.add_argument('--num-val', type=int, default=200, help='validation scenes')
    parser.add_argument('--size', type=int, default=64, help='scene side S in pixels')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--num-items', type=int, nargs=2, default=(2, 5), metavar=('MIN', 'MAX'),
        help='items per scene',
    )  # fmt: skip
    parser.add_argument(
        '--scale', type=float, nargs=2, default=(0.3, 0.6), metavar=('MIN', 'MAX'),
        help='item side as a fraction of S',
    )  # fmt: skip
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.src is None:
        args.src = 'data/fashion_mnist' if osp.isdir('data/fashion_mnist') else DEBIAN_SRC
    try:
        counts = prepare(
            args.src, args.out, args.num_train, args.num_val, args.size, args.seed,
            tuple(args.num_items), tuple(args.scale),
        )  # fmt: skip
    except (FileNotFoundError, ValueError) as err:
        sys.exit(f'error: {err}')
    print(f'wrote {counts["train"]} train and {counts["val"]} val scenes to {args.out}')


if __name__ == '__main__':
    main()
