"""``downsample_labels``: nearest = ``F.interpolate``; majority against a per-cell count."""

from collections import Counter

import pytest
import torch
import torch.nn.functional as F

from mmproto.ops import downsample_labels


def _majority_reference(labels, size, num_classes, ignore_index):
    b, h0, w0 = labels.shape
    h, w = size
    out = torch.full((b, h, w), ignore_index, dtype=torch.long)
    for n in range(b):
        for i in range(h):
            for j in range(w):
                votes = Counter(
                    int(labels[n, y, x])
                    for y in range(h0)
                    for x in range(w0)
                    if y * h // h0 == i and x * w // w0 == j and 0 <= labels[n, y, x] < num_classes
                )
                if votes:
                    top = max(votes.values())
                    out[n, i, j] = min(c for c, v in votes.items() if v == top)
    return out


@pytest.mark.parametrize('shape,size', [((2, 16, 16), (4, 4)), ((1, 13, 11), (4, 3))])
def test_majority_matches_reference(shape, size):
    g = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 4, shape, generator=g)
    labels[torch.rand(shape, generator=g) < 0.3] = 255
    labels[0, : -(-shape[1] // size[0]), : -(-shape[2] // size[1])] = 255  # cell without label
    out = downsample_labels(labels, size, num_classes=4, ignore_index=255, mode='majority')
    assert torch.equal(out, _majority_reference(labels, size, 4, 255))
    assert out[0, 0, 0] == 255


def test_nearest_is_interpolate_and_takes_the_top_left_pixel():
    labels = torch.arange(64).view(1, 8, 8) % 5
    out = downsample_labels(labels, (2, 2), num_classes=5, mode='nearest')
    ref = F.interpolate(labels[:, None].float(), size=(2, 2), mode='nearest')[:, 0].long()
    assert torch.equal(out, ref) and torch.equal(out, labels[:, ::4, ::4])
    # a cell of 15 pixels of class 1 and its top-left pixel of class 0: majority says 1
    cell = torch.ones(1, 4, 4, dtype=torch.long)
    cell[0, 0, 0] = 0
    assert downsample_labels(cell, (1, 1), 2, mode='nearest').item() == 0
    assert downsample_labels(cell, (1, 1), 2, mode='majority').item() == 1


def test_bad_arguments():
    with pytest.raises(ValueError, match='label_downsample'):
        downsample_labels(torch.zeros(1, 4, 4, dtype=torch.long), (2, 2), 2, mode='mode')
    with pytest.raises(ValueError, match=r'\[B, H, W\]'):
        downsample_labels(torch.zeros(4, 4, dtype=torch.long), (2, 2), 2)
