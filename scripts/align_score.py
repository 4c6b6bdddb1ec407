"""Bead precision/recall/F1 of a sentence alignment against gold beads (the align-dev metric).

Shared by tests/test_align.py and scripts/bench_align.py (pytest puts scripts/ on sys.path), so both
count a bead the same way.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from mt.errors import InputError

_SPACE = re.compile(r"\s+")

BeadText = tuple[str, str]


@dataclass(frozen=True)
class BeadScore:
    """Micro-averaged bead counts; prints itself as `P … R … F1 …`."""

    correct: int
    predicted: int
    gold: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: BeadScore) -> BeadScore:
        return BeadScore(self.correct + other.correct, self.predicted + other.predicted,
                         self.gold + other.gold)

    def __str__(self) -> str:
        return f"P {self.precision:.3f} R {self.recall:.3f} F1 {self.f1:.3f}"


def _key(bead: BeadText) -> tuple[str, str] | None:
    """Whitespace-free form of a bead; None for a bead empty on both sides (ignored)."""
    source, target = (_SPACE.sub("", side) for side in bead)
    return (source, target) if source or target else None


def score_document(predicted: list[BeadText], gold: list[BeadText]) -> BeadScore:
    """Each predicted bead counts once against a not-yet-matched gold bead with the same text."""
    unmatched = Counter(k for k in map(_key, gold) if k)
    pred = [k for k in map(_key, predicted) if k]
    correct = 0
    for k in pred:
        if unmatched[k] > 0:
            unmatched[k] -= 1
            correct += 1
    return BeadScore(correct, len(pred), sum(1 for k in map(_key, gold) if k))


@dataclass(frozen=True)
class AlignCase:
    """One gold document of an alignment set: its two article files and its gold beads."""

    doc: str
    it_path: Path
    en_path: Path
    beads: list[BeadText]


def read_align_set(folder: str | Path) -> list[AlignCase]:
    """An alignment set as in shared/data/align-dev: DOC.it.txt, DOC.en.txt and gold.jsonl."""
    folder = Path(folder)
    gold = folder / "gold.jsonl"
    if not gold.is_file():
        raise InputError(f"{gold} does not exist; an alignment set needs DOC.it.txt, DOC.en.txt "
                         f"and gold.jsonl")
    cases = []
    with open(gold, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            d = json.loads(line)
            cases.append(AlignCase(d["doc"], folder / f"{d['doc']}.it.txt", folder / f"{d['doc']}.en.txt",
                                   [tuple(b) for b in d["beads"]]))
    return cases
