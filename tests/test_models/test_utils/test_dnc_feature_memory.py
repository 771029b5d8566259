import pytest
import torch

from mmproto.models.utils import FeatureMemory


def test_fifo_order_and_wrap_around():
    mem = FeatureMemory(size=5, dim=2)
    assert mem.num_filled() == 0 and torch.all(mem.labels == -1)
    for start in (0, 3):  # pushes of 3: 0,1,2 then 3,4,5 (5 overwrites slot 0)
        x = torch.arange(start, start + 3).float()[:, None].repeat(1, 2)
        mem.push(x, torch.arange(start, start + 3), torch.ones(3, dtype=torch.bool))
    assert mem.labels.tolist() == [5, 1, 2, 3, 4]
    assert int(mem.ptr) == 1 and mem.num_filled() == 5
    order = mem.chronological_index()
    assert mem.labels[order].tolist() == [1, 2, 3, 4, 5]
    assert mem.features[order, 0].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    # a push larger than the memory keeps its last `size` samples, oldest first
    mem.push(torch.zeros(7, 2), torch.arange(10, 17), torch.zeros(7, dtype=torch.bool))
    assert mem.labels[mem.chronological_index()].tolist() == [12, 13, 14, 15, 16]
    assert int(mem.ptr) == (1 + 7) % 5
    assert not mem.correct.any()


def test_storage_dtype_state_and_no_grad():
    mem = FeatureMemory(size=4, dim=3, dtype='float16')
    assert mem.features.dtype == torch.float16
    x = torch.randn(2, 3, requires_grad=True)
    mem.push(x * 2, torch.tensor([0, 1]), torch.tensor([True, False]))
    assert not mem.features.requires_grad and mem.features.grad_fn is None
    torch.testing.assert_close(mem.features[:2], (x * 2).detach().half())
    keys = set(mem.state_dict())
    assert keys == {'features', 'labels', 'correct', 'ptr'}
    other = FeatureMemory(size=4, dim=3, dtype='float16')
    other.load_state_dict(mem.state_dict())
    for k, v in mem.state_dict().items():
        assert torch.equal(other.state_dict()[k], v)
    with pytest.raises(ValueError, match='memory_dtype'):
        FeatureMemory(4, 3, dtype='int8')
    with pytest.raises(ValueError, match='memory_size'):
        FeatureMemory(0, 3)
    with pytest.raises(ValueError, match='dim'):
        mem.push(torch.zeros(1, 5), torch.zeros(1, dtype=torch.long), torch.zeros(1).bool())


def _rows(start, n):
    return torch.arange(start, start + n).float()[:, None].repeat(1, 2)


def test_flush_mode_accumulates_until_full_then_empties():
    mem = FeatureMemory(size=5, dim=2, mode='flush')
    ones = torch.ones(3, dtype=torch.bool)
    mem.push(_rows(0, 3), torch.arange(0, 3), ones)
    assert not mem.ready() and int(mem.ptr) == 3 and mem.num_filled() == 3
    mem.push(_rows(3, 3), torch.arange(3, 6), ones)  # only 3, 4 fit: 5 waits for the next round
    assert mem.ready() and mem.labels.tolist() == [0, 1, 2, 3, 4]
    assert mem.features[mem.chronological_index(), 0].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    mem.consumed()
    assert not mem.ready() and int(mem.ptr) == 1 and mem.num_filled() == 1
    assert mem.labels.tolist() == [5, -1, -1, -1, -1] and mem.features[0, 0] == 5.0
    assert mem.correct.tolist() == [True, False, False, False, False]
    mem.push(_rows(6, 4), torch.arange(6, 10), torch.ones(4, dtype=torch.bool))  # exactly full
    assert mem.ready()
    mem.consumed()
    assert mem.num_filled() == 0 and int(mem.ptr) == 0
    # a full memory that was not consumed refuses more samples (nothing silently dropped)
    mem.push(_rows(0, 5), torch.arange(5), torch.ones(5, dtype=torch.bool))
    with pytest.raises(RuntimeError, match='interval=1'):
        mem.push(_rows(0, 1), torch.zeros(1, dtype=torch.long), torch.ones(1, dtype=torch.bool))
    with pytest.raises(ValueError, match='memory_mode'):
        FeatureMemory(4, 2, mode='lifo')


def test_fifo_mode_is_always_ready_and_consumed_keeps_it():
    mem = FeatureMemory(size=4, dim=2)
    mem.push(_rows(0, 2), torch.arange(2), torch.ones(2, dtype=torch.bool))
    assert mem.ready()
    mem.consumed()
    assert mem.num_filled() == 2 and int(mem.ptr) == 2
