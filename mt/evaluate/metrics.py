"""The metrics `mt evaluate` reports, through sacrebleu's public API only: one table of (key, label, factory).

Lines are scored with each metric's `sentence_score`, a corpus or document with `corpus_score`, or, for BLEU
and TER, by adding up the statistics their public score objects carry, so slow TER runs once per line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


# Each factory makes a sacrebleu metric; given references, it caches them (their n-grams or words) once for
# every later corpus_score(hypotheses, None), as sacrebleu's own constructors do.


def _bleu(references=None):
    from sacrebleu.metrics import BLEU

    return BLEU(references=references)


def _sentence_bleu(references=None):
    from sacrebleu.metrics import BLEU

    # sacrebleu's advice for single sentences; the n-gram counts are the same as corpus BLEU's
    return BLEU(effective_order=True, references=references)


def _chrf(references=None):
    from sacrebleu.metrics import CHRF

    return CHRF(references=references)


def _chrfpp(references=None):
    from sacrebleu.metrics import CHRF

    return CHRF(word_order=2, references=references)


def _ter(references=None):
    from sacrebleu.metrics import TER

    return TER(references=references)


def _combine_bleu(metric: Any, scores: Sequence[Any]):
    """BLEU over several lines from their sentence scores: n-gram counts and lengths added up, as
    corpus_score adds them, then sacrebleu's public `BLEU.compute_bleu`."""
    from sacrebleu.metrics import BLEU

    n = metric.max_ngram_order
    return BLEU.compute_bleu(
        [sum(s.counts[i] for s in scores) for i in range(n)],
        [sum(s.totals[i] for s in scores) for i in range(n)],
        sum(s.sys_len for s in scores), sum(s.ref_len for s in scores),
        smooth_method=metric.smooth_method, smooth_value=metric.smooth_value,
        effective_order=metric.effective_order, max_ngram_order=n,
    )


def _combine_ter(metric: Any, scores: Sequence[Any]):
    """TER over several lines: edits per reference word, summed over the lines as corpus_score sums them."""
    from sacrebleu.metrics.ter import TERScore

    edits = sum(s.num_edits for s in scores)
    length = sum(s.ref_length for s in scores)
    # TER's own convention for empty references: any edit against nothing counts as 100
    rate = edits / length if length > 0 else (1.0 if edits > 0 else 0.0)
    return TERScore(100 * rate, edits, length)


@dataclass(frozen=True)
class MetricSpec:
    """One reported metric: its JSON key, how tables label it, and the sacrebleu metric behind it."""

    key: str
    label: str
    factory: Callable[..., Any]
    # the sentence-level variant when it differs from the corpus settings (BLEU: effective order)
    sentence_factory: Callable[..., Any] | None = None
    # a score over several lines from their sentence scores, where those carry the statistics
    combine: Callable[[Any, Sequence[Any]], Any] | None = None
    higher_is_better: bool = True
    # compared by the paired tests (TER is too slow to resample thousands of times)
    tested: bool = False

    @property
    def corpus_from_sentences(self) -> bool:
        """Whether the corpus score is added up from the sentence scores instead of a second pass:
        only when the sentence scores use the corpus settings (TER); BLEU's use effective order."""
        return self.combine is not None and self.sentence_factory is None


METRICS: tuple[MetricSpec, ...] = (
    MetricSpec("bleu", "BLEU", _bleu, sentence_factory=_sentence_bleu, combine=_combine_bleu, tested=True),
    MetricSpec("chrf", "chrF", _chrf, tested=True),
    MetricSpec("chrfpp", "chrF++", _chrfpp),
    MetricSpec("ter", "TER", _ter, combine=_combine_ter, higher_is_better=False),
)
METRIC: dict[str, MetricSpec] = {m.key: m for m in METRICS}
TESTED_METRICS: tuple[str, ...] = tuple(m.key for m in METRICS if m.tested)


class Scorer:
    """One system against fixed references: every line scored once per metric, with the sentence score
    objects kept so that documents, and the same lines with some of them changed, are cheap to score."""

    def __init__(self, hypotheses: list[str], references: list[list[str]],
                 keys: Sequence[str] = tuple(METRIC)) -> None:
        self.hypotheses = hypotheses
        self.references = references
        self.specs = [METRIC[k] for k in keys]
        self.metrics: dict[str, Any] = {}
        self.sentences: dict[str, list[Any]] = {}
        for spec in self.specs:
            # references cached once for the corpus_score calls (chrF runs one per fix rule's leave-one-out)
            metric = spec.factory() if spec.corpus_from_sentences else spec.factory(references)
            scorer = spec.sentence_factory() if spec.sentence_factory else metric
            log.info("scoring %d lines with %s", len(hypotheses), spec.label)
            self.metrics[spec.key] = metric
            self.sentences[spec.key] = [scorer.sentence_score(h, self.refs_of(i))
                                        for i, h in enumerate(hypotheses)]
        self._corpus = {spec.key: self._score_corpus(spec) for spec in self.specs}

    def refs_of(self, i: int) -> list[str]:
        return [r[i] for r in self.references]

    def _score_corpus(self, spec: MetricSpec) -> Any:
        if spec.corpus_from_sentences:
            return spec.combine(self.metrics[spec.key], self.sentences[spec.key])
        return self.metrics[spec.key].corpus_score(self.hypotheses, None)  # the cached references

    def corpus(self, key: str) -> Any:
        """sacrebleu's score object for the whole test set (BLEU's carries its precisions and lengths)."""
        return self._corpus[key]

    def span(self, key: str, start: int, end: int) -> float:
        """The metric over lines [start, end) (a document)."""
        spec = METRIC[key]
        if (start, end) == (0, len(self.hypotheses)):
            return self._corpus[key].score  # a single document is the whole test set
        if spec.combine is not None:
            return spec.combine(self.metrics[key], self.sentences[key][start:end]).score
        return self.metrics[key].corpus_score(
            self.hypotheses[start:end], [r[start:end] for r in self.references]).score

    def signature(self, key: str) -> str:
        """sacrebleu's signature of the corpus score: how to reproduce it."""
        # TER's metric scored the sentences itself, so it knows the number of references too
        return self.metrics[key].get_signature().format()

    def with_changes(self, key: str, changed: dict[int, str]) -> float:
        """The corpus score if the lines in `changed` (index -> text) read differently. Where scores add
        up (BLEU, TER) only those lines are scored, in one corpus_score whose statistics replace theirs."""
        spec = METRIC[key]
        if spec.combine is None:
            hyps = [changed.get(i, h) for i, h in enumerate(self.hypotheses)]
            return self.metrics[key].corpus_score(hyps, None).score
        lines = sorted(changed)
        new = spec.factory().corpus_score([changed[i] for i in lines],
                                          [[r[i] for i in lines] for r in self.references])
        kept = [s for i, s in enumerate(self.sentences[key]) if i not in changed]
        return spec.combine(self.metrics[key], [*kept, new]).score


def bleu_details(score: Any) -> dict:
    """The parts of a BLEU score that explain it (as sacrebleu prints them)."""
    return {
        "precisions": [round(p, 4) for p in score.precisions],
        "bp": round(score.bp, 4),
        "hyp_len": int(score.sys_len),
        "ref_len": int(score.ref_len),
    }
