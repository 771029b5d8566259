"""IF...THEN rules of a DNC classifier built from its sub-centroid images (Eq. 9-10, DNC)."""

from typing import List, Optional, Sequence, Tuple

import torch
from torch import Tensor

__all__ = ['format_if_then_rule', 'rule_fires', 'rule_legend']


def _term(k: int, t: int) -> str:
    return f'[I, Î{k}] > [I, Ǐ{t}]'


def format_if_then_rule(
    class_name: str,
    num_subcentroids: int,
    num_others: int,
    max_terms: Optional[int] = None,
) -> str:
    """The rule of Eq. 10 for one class, as text.

    For each of the class's ``K`` sub-centroid images ``Î_k`` one conjunction (Eq. 9) says that
    the query ``I`` is more similar to ``Î_k`` than to every representative image ``Ǐ_t`` of the
    other classes (``t = 1..T``); the class rule is the disjunction of the K conjunctions.

    Args:
        class_name: name of the class c.
        num_subcentroids: K (valid sub-centroids of c).
        num_others: T, the number of sub-centroid images of all other classes.
        max_terms: write at most this many comparisons per conjunction (the rest as ``...``);
            ``None`` writes all T.
    """
    if num_subcentroids < 1 or num_others < 1:
        raise ValueError('a rule needs K >= 1 sub-centroids and T >= 1 other images')
    lines = []
    for k in range(1, num_subcentroids + 1):
        ts = list(range(1, num_others + 1))
        if max_terms is not None and num_others > max_terms:
            head = [_term(k, t) for t in ts[: max(max_terms - 1, 1)]]
            terms = head + ['...', _term(k, num_others)]
        else:
            terms = [_term(k, t) for t in ts]
        prefix = 'IF ' if k == 1 else '   OR '
        lines.append(f'{prefix}({" AND ".join(terms)})')
    lines.append(f'THEN ({class_name})')
    return '\n'.join(lines)


def rule_fires(sims: Tensor, valid: Tensor, class_index: int) -> Tuple[bool, int]:
    """Evaluate the rule of ``class_index`` (Eq. 10) for one query.

    Args:
        sims (Tensor): ``[C, K]`` similarity of the query to every sub-centroid image.
        valid (Tensor): ``[C, K]`` which sub-centroids exist.
        class_index: the class c whose rule is evaluated.

    Returns:
        tuple: whether some ``Î_k`` of c beats every ``Ǐ_t`` of the other classes, and which k
        (the winning sub-centroid, ``-1`` if the rule does not fire).
    """
    sims = sims.float().masked_fill(~valid, float('-inf'))
    others = torch.cat([sims[:class_index], sims[class_index + 1 :]]).flatten()
    best_other = others.max() if others.numel() else torch.tensor(float('-inf'))
    own = sims[class_index]
    winners: List[int] = [k for k in range(own.numel()) if bool(own[k] > best_other)]
    if not winners:
        return False, -1
    return True, int(own.argmax())


def rule_legend(
    class_name: str,
    own: Sequence[Tuple[int, str]],
    others: Sequence[Tuple[str, int, str]],
) -> str:
    """Text legend naming every image of the rule: ``Î_k`` and ``Ǐ_t`` (class, sub-centroid,
    image id)."""
    lines = [f'Sub-centroid images of {class_name}:']
    lines += [f'  Î{i + 1} = sub-centroid {k} ({image})' for i, (k, image) in enumerate(own)]
    lines.append('Representative images of the other classes:')
    lines += [
        f'  Ǐ{t + 1} = {name}, sub-centroid {k} ({image})'
        for t, (name, k, image) in enumerate(others)
    ]
    return '\n'.join(lines)
