"""One evaluation run: corpus, document and sentence scores, system comparison and fix-rule effects.

`evaluate()` is the library entry point behind `mt evaluate`; it returns an `Evaluation` (results.py),
which prints itself as a table and turns into the JSON the command writes.
"""

from __future__ import annotations

import logging
from pathlib import Path

from mt.evaluate.comparison import DEFAULT_WORST, TestSettings, compare, compare_documents
from mt.evaluate.metrics import METRICS, Scorer, bleu_details
from mt.evaluate.results import (
    CorpusScores,
    Difference,
    DocumentScores,
    Evaluation,
    FixesEffects,
    SentenceScores,
    SystemScores,
)
from mt.evaluate.rule_effects import apply_target_rules, rule_effects
from mt.evaluate.testset import TestSet, load_testset
from mt.fixes import RuleSet

log = logging.getLogger(__name__)

def _r(x: float) -> float:
    return round(float(x), 4)


def score_system(name: str, scorer: Scorer, testset: TestSet) -> SystemScores:
    """Corpus, per-document and per-sentence scores of one system."""
    corpus = CorpusScores(
        scores={m.key: _r(scorer.corpus(m.key).score) for m in METRICS},
        signatures={m.key: scorer.signature(m.key) for m in METRICS},
        bleu_details=bleu_details(scorer.corpus("bleu")),
    )
    documents = [
        DocumentScores(d.name, d.end - d.start,
                       {m.key: _r(scorer.span(m.key, d.start, d.end)) for m in METRICS})
        for d in testset.documents
    ]
    sentences = [
        SentenceScores(
            index=i, document=seg.document, line=seg.line,
            scores={m.key: _r(scorer.sentences[m.key][i].score) for m in METRICS},
            hyp=scorer.hypotheses[i], ref=testset.references[0][i],
            src=testset.sources[i] if testset.sources is not None else None,
        )
        for i, seg in enumerate(testset.segments)
    ]
    return SystemScores(name, corpus, documents, sentences)


def differences(base: SystemScores, other: SystemScores, limit: int) -> list[Difference]:
    """The lines where two systems' sentence chrF differ most."""
    rows = [Difference(a, b) for a, b in zip(base.sentences, other.sentences)]
    return sorted(rows, key=lambda d: -abs(d.delta_chrf))[:limit]


def _with_document_tests(systems: list[SystemScores], testset: TestSet,
                         settings: TestSettings) -> list[SystemScores]:
    """The systems after the baseline with each document's paired bootstrap p-values attached."""
    if len(testset.documents) < 2:
        return systems  # one document: the corpus comparison already says it
    log.info("paired bootstrap resampling per document (%d documents)", len(testset.documents))
    p_values = [compare_documents(testset.systems, testset.references, d.start, d.end, settings)
                for d in testset.documents]
    out = [systems[0]]
    for i, s in enumerate(systems[1:]):
        documents = [DocumentScores(d.name, d.lines, d.scores, p[i]) for d, p in zip(s.documents, p_values)]
        out.append(SystemScores(s.name, s.corpus, documents, s.sentences))
    return out


def evaluate(
    hyp: str | Path | list[str | Path],
    ref: str | Path | list[str | Path],
    *,
    src: str | Path | None = None,
    docs: str | Path | None = None,
    fixes: RuleSet | None = None,
    settings: TestSettings | None = None,
    max_differences: int = DEFAULT_WORST,
) -> Evaluation:
    """Score hypothesis files or folders against references (see `mt evaluate --help`); `-` as a
    hypothesis reads standard input. `fixes` (from `mt.fixes.load_rules`) are applied to every system
    first, and each target rule's leave-one-out effect is reported."""
    hyps = hyp if isinstance(hyp, list) else [hyp]
    refs = ref if isinstance(ref, list) else [ref]
    testset = load_testset(hyps, refs, src, docs)
    raw_baseline = testset.baseline
    totals: dict[str, int] = {}
    if fixes is not None:
        fixed_systems = []
        for i, (name, lines) in enumerate(testset.systems):
            fixed, counts = apply_target_rules(fixes, lines)
            fixed_systems.append((name, fixed))
            if i == 0:
                totals = counts
        testset.systems = fixed_systems

    scorers = [Scorer(lines, testset.references) for _, lines in testset.systems]
    systems = [score_system(name, s, testset) for (name, _), s in zip(testset.systems, scorers)]
    comparison = None
    diffs: list[tuple[str, list[Difference]]] = []
    if len(systems) > 1:
        settings = settings or TestSettings()
        comparison = compare(testset.systems, testset.references, settings)
        systems = _with_document_tests(systems, testset, settings)
        diffs = [(s.name, differences(systems[0], s, max_differences)) for s in systems[1:]]
    effects = None
    if fixes is not None:
        effects = FixesEffects(fixes.path, fixes.digest,
                               rule_effects(fixes, raw_baseline, totals, scorers[0], testset.sources))
    return Evaluation(systems, [str(r) for r in refs], comparison, diffs, effects)
