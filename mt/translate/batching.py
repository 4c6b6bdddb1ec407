"""Batches by token budget: sentences sorted by length, each batch's padded size kept under the budget.

Sorting keeps padding small; callers restore input order from the indices the batches carry.
"""

from __future__ import annotations


def make_batches(lengths: list[int], batch_tokens: int) -> list[list[int]]:
    """Indices into `lengths`, grouped so that len(batch) * longest <= batch_tokens (at least one each).

    Longest first, ties in input order, so the same inputs always give the same batches.
    """
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        longest = lengths[current[0]] if current else lengths[i]
        if current and (len(current) + 1) * longest > batch_tokens:
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches
