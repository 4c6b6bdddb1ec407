"""Sentence alignment of an Italian article with its English version: beads 1:1, 1:0, 0:1, 2:1, 1:2, 2:2.

A dynamic programme over the sentences of the whole document; a bead's cost adds a prior for its shape,
Gale–Church length odds, paragraph anchors and the shared evidence of `mt.corpus.features`; with a
translator, overlap of the machine translation with the English adds evidence in proportion to how well
the translations separate true pairs from neighbours in this document.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from dataclasses import dataclass

from mt.corpus.features import sentence_keys, shared_evidence
from mt.document import Document, parse_article

log = logging.getLogger(__name__)

# -ln P(shape). Gale & Church (1993) give 1:1 0.89; 1:0/0:1, 2:1/1:2 and 2:2 are made dearer than
# their priors so that a null or a merge has to be earned by length or evidence. The values sit in a flat
# optimum of the mean F1 over cases built by scripts/make_align_cases.py from newstest2009, FLORES and
# re-seeded NTREX-dev documents (align-dev moved by < 0.005 over that region).
SHAPES = {(1, 1): -math.log(0.89), (1, 0): 4.0, (0, 1): 4.0, (2, 1): 4.5, (1, 2): 4.5, (2, 2): 8.0}
# English characters per Italian character and the variance per character (newstest2009, not align-dev).
LENGTH_RATIO = 0.95
LENGTH_VARIANCE = 2.3
# A bead that starts a paragraph on one side only, or runs across a paragraph end, costs this much.
ANCHOR_COST = 3.0
# MT overlap evidence at full confidence, in nats per unit of (weighted overlap / English key weight).
MT_WEIGHT = 8.0
# Full DP up to this many cells; beyond, a band around the diagonal keeps long documents fast.
FULL_DP_CELLS = 250_000


@dataclass(frozen=True)
class Unit:
    """A sentence of one side with where it came from."""

    paragraph: int  # line number of its paragraph in the article
    sentence: int  # index of the sentence inside its paragraph
    text: str

    @property
    def starts_paragraph(self) -> bool:
        return self.sentence == 0


@dataclass(frozen=True)
class Bead:
    """Consecutive Italian sentences aligned with consecutive English sentences (either side may be empty).

    `score` is the aligner's confidence in (0, 1) that the two sides translate each other; 0 for a bead
    with an empty side.
    """

    italian: tuple[Unit, ...]
    english: tuple[Unit, ...]
    score: float

    @property
    def source(self) -> str:
        return " ".join(u.text for u in self.italian)

    @property
    def target(self) -> str:
        return " ".join(u.text for u in self.english)

    @property
    def shape(self) -> str:
        return f"{len(self.italian)}:{len(self.english)}"

    @property
    def first(self) -> Unit:
        """The bead's first Italian sentence (its first English one for 0:1)."""
        return (self.italian or self.english)[0]

    def to_json_dict(self) -> dict:
        return {"source": self.source, "target": self.target, "score": round(self.score, 4)}


def split_sentences(doc: Document, lang: str) -> list[Unit]:
    """Every sentence of the article, in order, with its paragraph line number."""
    from mt.segment import segment

    return [Unit(p.index, k, s.text) for p in doc.paragraphs for k, s in enumerate(segment(p.text, lang))]


def _as_document(article: Document | str, name: str) -> Document:
    return article if isinstance(article, Document) else parse_article(article, name)


class _Costs:
    """Bead costs for one document pair, with each side's key bags summed per bead on demand."""

    def __init__(self, italian: list[Unit], english: list[Unit]):
        self.it, self.en = italian, english
        self.it_keys = [sentence_keys(u.text, "it") for u in italian]
        self.en_keys = [sentence_keys(u.text, "en") for u in english]
        # Bags of two neighbours, summed once: each is looked at by every cell of its row or column.
        self.it_pairs = _pair_bags(self.it_keys)
        self.en_pairs = _pair_bags(self.en_keys)
        self.it_len = [len(u.text) for u in italian]
        self.en_len = [len(u.text) for u in english]
        self.mt_keys: list[Counter] = []
        self.mt_pairs: list[Counter] = []
        self.mt_weight = 0.0
        # Paragraph anchors help only where the two sides are paragraphed alike.
        p_it = len({u.paragraph for u in italian})
        p_en = len({u.paragraph for u in english})
        self.anchor = ANCHOR_COST if min(p_it, p_en) >= 0.6 * max(p_it, p_en) else 0.0

    def set_translations(self, mt_keys: list[Counter], weight: float) -> None:
        self.mt_keys, self.mt_pairs, self.mt_weight = mt_keys, _pair_bags(mt_keys), weight

    def _anchor_cost(self, i: int, j: int, di: int, dj: int) -> float:
        it_start = i >= len(self.it) or self.it[i].starts_paragraph
        en_start = j >= len(self.en) or self.en[j].starts_paragraph
        cost = self.anchor if it_start != en_start else 0.0
        if (di == 2 and self.it[i + 1].starts_paragraph) or (dj == 2 and self.en[j + 1].starts_paragraph):
            cost += self.anchor
        return cost

    def length_cost(self, l_it: int, l_en: int) -> float:
        """-ln of the Gale–Church probability of a length difference at least this large."""
        mean = (l_it + l_en / LENGTH_RATIO) / 2
        delta = (l_en - l_it * LENGTH_RATIO) / math.sqrt(max(mean, 1.0) * LENGTH_VARIANCE)
        return -math.log(max(math.erfc(abs(delta) / math.sqrt(2)), 1e-12))

    def evidence(self, i: int, j: int, di: int, dj: int) -> float:
        it_bag = self.it_keys[i] if di == 1 else self.it_pairs[i]
        en_bag = self.en_keys[j] if dj == 1 else self.en_pairs[j]
        total = shared_evidence(it_bag, en_bag)
        if self.mt_weight:
            mt_bag = self.mt_keys[i] if di == 1 else self.mt_pairs[i]
            total += self.mt_weight * mt_overlap(mt_bag, en_bag)
        return total

    def cost(self, i: int, j: int, di: int, dj: int) -> float:
        """Cost of the bead of Italian sentences i..i+di-1 with English j..j+dj-1."""
        if di == 0 or dj == 0:
            return SHAPES[(di, dj)]
        l_it = sum(self.it_len[i:i + di])
        l_en = sum(self.en_len[j:j + dj])
        return (SHAPES[(di, dj)] + self.length_cost(l_it, l_en) + self._anchor_cost(i, j, di, dj)
                - self.evidence(i, j, di, dj))

    def null_cost(self, di: int, dj: int) -> float:
        return di * SHAPES[(1, 0)] + dj * SHAPES[(0, 1)]


def _pair_bags(keys: list[Counter]) -> list[Counter]:
    return [a + b for a, b in zip(keys, keys[1:])]


def mt_overlap(mt_bag: Counter, en_bag: Counter) -> float:
    """Share of the English evidence that the machine translation also has (0..1)."""
    weight = shared_evidence(en_bag, en_bag)
    return shared_evidence(mt_bag, en_bag) / weight if weight else 0.0


def _band(n: int, m: int) -> int:
    if (n + 1) * (m + 1) <= FULL_DP_CELLS:
        return max(n, m) + 1
    return max(60, 2 * abs(n - m), max(n, m) // 10)


def _dp(costs: _Costs) -> list[tuple[int, int, int, int, float]]:
    """The cheapest bead sequence as (i, j, di, dj, cost) tuples."""
    n, m = len(costs.it), len(costs.en)
    band = _band(n, m)
    inf = math.inf
    best: dict[tuple[int, int], tuple[float, int, int, float]] = {(0, 0): (0.0, 0, 0, 0.0)}
    for i in range(n + 1):
        center = i * m / n if n else 0
        lo, hi = max(0, int(center) - band), min(m, int(center) + band)
        for j in range(lo, hi + 1):
            if i == 0 and j == 0:
                continue
            top = (inf, 0, 0, 0.0)
            for di, dj in SHAPES:
                pi, pj = i - di, j - dj
                if pi < 0 or pj < 0:
                    continue
                prev = best.get((pi, pj))
                if prev is None:
                    continue
                c = costs.cost(pi, pj, di, dj)
                if prev[0] + c < top[0]:
                    top = (prev[0] + c, di, dj, c)
            if top[0] < inf:
                best[(i, j)] = top
    path = []
    i, j = n, m
    while i or j:
        _, di, dj, c = best[(i, j)]
        i, j = i - di, j - dj
        path.append((i, j, di, dj, c))
    return path[::-1]


def _confidence(costs: _Costs, i: int, j: int, di: int, dj: int, c: float) -> float:
    """Logistic odds of the bead against leaving its sentences unaligned."""
    if di == 0 or dj == 0:
        return 0.0
    margin = costs.null_cost(di, dj) - c
    return 1.0 / (1.0 + math.exp(-max(min(margin, 50.0), -50.0)))


def _mt_weight(costs: _Costs, path: list[tuple[int, int, int, int, float]]) -> float:
    """How much to trust MT overlap here: its gap between the model-free 1:1 pairs and their neighbours.

    A weak model (or one that copies its input) barely separates true pairs from wrong ones, and gets
    a weight near zero, so it cannot make the alignment worse than the model-free one.
    """
    pairs = [(i, j) for i, j, di, dj, _ in path if di == dj == 1]
    if len(pairs) < 3:
        return 0.0
    en_keys = costs.en_keys
    aligned = [mt_overlap(costs.mt_keys[i], en_keys[j]) for i, j in pairs]
    shifted = [mt_overlap(costs.mt_keys[i], en_keys[j2]) for (i, _), (_, j2) in
               zip(pairs, pairs[2:] + pairs[:2])]
    gap = sum(aligned) / len(aligned) - sum(shifted) / len(shifted)
    return MT_WEIGHT * min(max((gap - 0.05) / 0.25, 0.0), 1.0)


def align_units(italian: list[Unit], english: list[Unit], translations: list[str] | None = None
                ) -> list[Bead]:
    """Align two sentence lists; `translations` (English MT of each Italian sentence) adds evidence."""
    costs = _Costs(italian, english)
    path = _dp(costs)
    if translations is not None and italian and english:
        mt_keys = [sentence_keys(t, "en") for t in translations]
        costs.set_translations(mt_keys, 0.0)
        costs.set_translations(mt_keys, _mt_weight(costs, path))
        log.debug("MT evidence weight %.2f", costs.mt_weight)
        if costs.mt_weight:
            path = _dp(costs)
    return [Bead(tuple(italian[i:i + di]), tuple(english[j:j + dj]), _confidence(costs, i, j, di, dj, c))
            for i, j, di, dj, c in path]


def align(italian: Document | str, english: Document | str, *, translator=None) -> list[Bead]:
    """Align an Italian article with its English version (Documents, or article text).

    `translator` (a `mt.translate.Translator`) is optional: without it nothing heavy is loaded.
    """
    it_units = split_sentences(_as_document(italian, "<italian>"), "it")
    en_units = split_sentences(_as_document(english, "<english>"), "en")
    translations = None
    if translator is not None and it_units:
        translations = [t.text for t in translator.translate([u.text for u in it_units])]
    return align_units(it_units, en_units, translations)
