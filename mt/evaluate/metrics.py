"""Scores through sacrebleu: corpus BLEU, chrF, chrF++ and TER, per document and per sentence.

Each metric's sufficient statistics are extracted once per sentence (sacrebleu's own extraction, as its
corpus_score and paired tests do) and summed over the corpus or a document, so TER runs once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


def _bleu():
    from sacrebleu.metrics import BLEU

    return BLEU()


def _chrf():
    from sacrebleu.metrics import CHRF

    return CHRF()


def _chrfpp():
    from sacrebleu.metrics import CHRF

    return CHRF(word_order=2)


def _ter():
    from sacrebleu.metrics import TER

    return TER()


# JSON key -> a sacrebleu metric with its default settings (chrF++ is chrF with word_order=2)
METRICS: dict[str, Callable] = {"bleu": _bleu, "chrf": _chrf, "chrfpp": _chrfpp, "ter": _ter}
# what the paired tests compare (TER is too slow to resample thousands of times)
TESTED_METRICS = ("bleu", "chrf")


@dataclass
class Statistics:
    """Per-sentence sufficient statistics of one system for each metric, against fixed references."""

    metrics: dict
    stats: dict[str, list]

    def score(self, name: str, start: int = 0, end: int | None = None) -> float:
        """The metric over sentences [start, end): a document, or the corpus by default."""
        return self.metrics[name]._aggregate_and_compute(self.stats[name][start:end]).score

    def corpus(self, name: str):
        """sacrebleu's score object for the whole corpus (carries BLEU's details)."""
        return self.metrics[name]._aggregate_and_compute(self.stats[name])

    def signature(self, name: str) -> str:
        return self.metrics[name].get_signature().format()


def compute_statistics(
    hypotheses: list[str], references: list[list[str]], names: tuple[str, ...] = tuple(METRICS)
) -> Statistics:
    """Extract each metric's per-sentence statistics (references: one list per reference set)."""
    metrics, stats = {}, {}
    for name in names:
        metric = METRICS[name]()
        log.info("computing %s statistics for %d sentences", name, len(hypotheses))
        stats[name] = metric._extract_corpus_statistics(hypotheses, references)
        metrics[name] = metric
    return Statistics(metrics, stats)


def sentence_scores(statistics: Statistics) -> list[dict[str, float]]:
    """Sentence chrF, chrF++, TER and BLEU (with effective order, as sacrebleu's sentence_score)."""
    from sacrebleu.metrics import BLEU

    sentence_bleu = BLEU(effective_order=True)
    rows = []
    for i in range(len(statistics.stats["bleu"])):
        row = {"bleu": sentence_bleu._compute_score_from_stats(statistics.stats["bleu"][i]).score}
        for name in ("chrf", "chrfpp", "ter"):
            if name in statistics.stats:
                row[name] = statistics.metrics[name]._compute_score_from_stats(
                    statistics.stats[name][i]).score
        rows.append(row)
    return rows


def bleu_details(score) -> dict:
    """The parts of a BLEU score that explain it (as sacrebleu prints them)."""
    return {
        "precisions": [round(p, 4) for p in score.precisions],
        "bp": round(score.bp, 4),
        "hyp_len": int(score.sys_len),
        "ref_len": int(score.ref_len),
    }
