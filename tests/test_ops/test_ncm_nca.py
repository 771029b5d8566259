import math

import pytest
import torch
import torch.nn.functional as F

from mmproto.ops import decay_mean_update, memory_momentum_update, nca_loss, ncm_logits


def test_ncm_logits_are_negative_squared_distances():
    g = torch.Generator().manual_seed(0)
    x, means = torch.randn(5, 3, generator=g), torch.randn(4, 3, generator=g)
    ref = torch.tensor(
        [[-float(((x[i] - means[c]) ** 2).sum()) for c in range(4)] for i in range(5)]
    )
    assert torch.allclose(ncm_logits(x, means), ref, atol=1e-5)


def test_decay_mean_only_moves_present_classes():
    means = torch.ones(3, 2)
    sums = torch.tensor([[4.0, 2.0], [0.0, 0.0], [3.0, 3.0]])
    counts = torch.tensor([2.0, 0.0, 1.0])
    new = decay_mean_update(means, sums, counts, 0.9)
    assert torch.allclose(new[0], 0.9 * torch.ones(2) + 0.1 * torch.tensor([2.0, 1.0]))
    assert torch.equal(new[1], means[1])
    assert torch.allclose(new[2], 0.9 + 0.1 * torch.tensor([3.0, 3.0]))
    with pytest.raises(ValueError, match='decay'):
        decay_mean_update(means, sums, counts, 1.0)


def test_nca_loss_matches_a_loop():
    g = torch.Generator().manual_seed(1)
    logits = torch.randn(4, 7, generator=g) * 3
    labels = torch.tensor([0, 1, 2, 0])
    mem_labels = torch.tensor([0, 1, 0, 1, -1, 2, 0])
    self_index = torch.tensor([0, 3, 5, -1])  # sample 2 is the only class-2 entry
    total = 0.0
    for i in range(4):
        z = sum(
            math.exp(logits[i, j]) for j in range(7) if j != self_index[i] and mem_labels[j] >= 0
        )
        p = sum(
            math.exp(logits[i, j])
            for j in range(7)
            if j != self_index[i] and mem_labels[j] == labels[i]
        )
        total += math.log(p / z) if p > 0 else 0.0
    assert float(nca_loss(logits, labels, mem_labels, self_index)) == pytest.approx(
        -total / 4, rel=1e-5
    )


def test_memory_momentum_update():
    memory = F.normalize(torch.randn(5, 3), dim=1)
    before = memory.clone()
    x = F.normalize(torch.randn(2, 3), dim=1)
    memory_momentum_update(memory, torch.tensor([1, 4]), x, 0.5)
    assert torch.allclose(memory[1], F.normalize(0.5 * before[1] + 0.5 * x[0], dim=0))
    assert torch.equal(memory[[0, 2, 3]], before[[0, 2, 3]])
