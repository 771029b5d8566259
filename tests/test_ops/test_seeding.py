"""step_seed: SplitMix64 of (seed, step, stream), the one per-step seed of every module."""

import torch

from mmproto.ops import step_generator, step_seed

# the first outputs of SplitMix64 from state 0 (Steele et al.; Vigna's splitmix64.c)
SPLITMIX64_FROM_0 = (0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F)


def test_steps_follow_the_splitmix64_sequence():
    for step, value in enumerate(SPLITMIX64_FROM_0):
        assert step_seed(0, step) == value >> 1  # 63 bits: a valid torch seed


def test_streams_and_seeds_give_distinct_seeds_and_generators_reproduce():
    seeds = {step_seed(s, t, r) for s in range(3) for t in range(50) for r in range(4)}
    assert len(seeds) == 3 * 50 * 4
    assert all(0 <= s < 2**63 for s in seeds)
    a = torch.rand(5, generator=step_generator(7, 3, 1))
    assert torch.equal(a, torch.rand(5, generator=step_generator(7, 3, 1)))
    assert not torch.equal(a, torch.rand(5, generator=step_generator(7, 3, 0)))
