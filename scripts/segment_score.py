"""Boundary precision/recall/F1 of a segmenter against gold sentences, as used by tests and the benchmark.

A boundary is the count of non-whitespace characters before a sentence end inside a paragraph, so scores do
not depend on how a segmenter trims spaces; the paragraph end is not a boundary; counts are micro-averaged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


def boundaries(sentences: Iterable[str]) -> set[int]:
    """Boundaries of a paragraph given as its sentences, in order."""
    out: set[int] = set()
    count = 0
    for s in sentences:
        count += sum(1 for ch in s if not ch.isspace())
        out.add(count)
    out.discard(count)
    return out


@dataclass(frozen=True)
class BoundaryScore:
    """Micro-averaged boundary counts over a set of paragraphs."""

    true_positives: int
    predicted: int
    gold: int
    paragraphs: int
    exact_paragraphs: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def exact(self) -> float:
        return self.exact_paragraphs / self.paragraphs if self.paragraphs else 1.0

    def __str__(self) -> str:
        return (f"P {self.precision:.3f} R {self.recall:.3f} F1 {self.f1:.3f} "
                f"exact {self.exact:.3f} ({self.paragraphs} paragraphs, {self.gold} boundaries)")


def score_boundaries(
    gold: Iterable[tuple[str, list[str]]], split: Callable[[str], list[str]]
) -> BoundaryScore:
    """Score `split(paragraph) -> sentence strings` on (paragraph, gold sentences) pairs."""
    tp = predicted = total = paragraphs = exact = 0
    for text, sentences in gold:
        want = boundaries(sentences)
        got = boundaries(split(text))
        tp += len(want & got)
        predicted += len(got)
        total += len(want)
        paragraphs += 1
        exact += want == got
    return BoundaryScore(tp, predicted, total, paragraphs, exact)
