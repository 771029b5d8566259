"""The seed of one training step's random draws, derived one way for every stateful module."""

import torch

_MASK64 = (1 << 64) - 1


def step_seed(seed: int, step: int, stream: int = 0) -> int:
    """A 63-bit seed for draw ``stream`` (e.g. the DDP rank, or one of several draws) of
    training step ``step`` in a run seeded with ``seed``: SplitMix64 of the three, so nearby
    steps, streams and seeds give unrelated seeds, and a resumed run (same step counter, kept
    in a persistent buffer) draws exactly the numbers of an uninterrupted one."""
    z = int(seed) + 0x9E3779B97F4A7C15 * (int(step) + 1) + 0xBF58476D1CE4E5B9 * int(stream)
    z &= _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return (z ^ (z >> 31)) >> 1


def step_generator(seed: int, step: int, stream: int = 0, device='cpu') -> torch.Generator:
    """A ``torch.Generator`` on ``device`` seeded with :func:`step_seed`."""
    return torch.Generator(device=device).manual_seed(step_seed(seed, step, stream))
