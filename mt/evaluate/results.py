"""What `mt evaluate` finds, as small records that render themselves: `str()` is the readable table,
`to_dict()` the JSON the command prints; the metric columns come from the one table in metrics.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mt.evaluate.comparison import SIGNIFICANCE, Comparison
from mt.evaluate.metrics import METRIC, METRICS, TESTED_METRICS
from mt.evaluate.rule_effects import RuleEffect

# metric key -> score
Scores = dict[str, float]


@dataclass(frozen=True)
class CorpusScores:
    """A system's scores over the whole test set, with sacrebleu's signature for each metric."""

    scores: Scores
    signatures: dict[str, str]
    bleu_details: dict

    def to_dict(self) -> dict:
        return {**self.scores, "signature": self.signatures, "bleu_details": self.bleu_details}


@dataclass(frozen=True)
class DocumentScores:
    """A system's scores on one document; `p_bootstrap` (systems after the baseline, in a comparison)
    holds the paired bootstrap p-value against the baseline's same document per tested metric."""

    name: str
    lines: int
    scores: Scores
    p_bootstrap: dict[str, float] | None = None

    def significant(self, key: str) -> bool:
        return self.p_bootstrap is not None and self.p_bootstrap.get(key, 1.0) < SIGNIFICANCE

    def to_dict(self) -> dict:
        out: dict = {"name": self.name, "lines": self.lines, **self.scores}
        if self.p_bootstrap is not None:
            out["p_bootstrap"] = self.p_bootstrap
        return out


@dataclass(frozen=True)
class SentenceScores:
    """One scored line: where it comes from (document, 1-based line), its scores and its texts."""

    index: int
    document: str
    line: int
    scores: Scores
    hyp: str
    ref: str
    src: str | None = None

    def to_dict(self) -> dict:
        out: dict = {"index": self.index, "document": self.document, "line": self.line, **self.scores,
                     "hyp": self.hyp, "ref": self.ref}
        if self.src is not None:
            out["src"] = self.src
        return out


@dataclass(frozen=True)
class SystemScores:
    """Everything scored for one system."""

    name: str
    corpus: CorpusScores
    documents: list[DocumentScores]
    sentences: list[SentenceScores]


@dataclass(frozen=True)
class Difference:
    """A line where a system's sentence chrF differs much from the baseline's."""

    baseline: SentenceScores
    system: SentenceScores

    @property
    def delta_chrf(self) -> float:
        return round(self.system.scores["chrf"] - self.baseline.scores["chrf"], 4)

    def to_dict(self) -> dict:
        a = self.baseline
        out: dict = {"index": a.index, "document": a.document, "line": a.line,
                     "chrf_baseline": a.scores["chrf"], "chrf_system": self.system.scores["chrf"],
                     "delta_chrf": self.delta_chrf, "baseline": a.hyp, "system": self.system.hyp,
                     "ref": a.ref}
        if a.src is not None:
            out["src"] = a.src
        return out


@dataclass(frozen=True)
class FixesEffects:
    """The rules file given with --fixes and the leave-one-out effect of each rule."""

    path: str
    sha256: str
    effects: list[RuleEffect]


@dataclass(frozen=True)
class Evaluation:
    """The result of `evaluate`: `to_dict()` is the `--json` output, `str()` the readable table."""

    systems: list[SystemScores]
    references: list[str]
    comparison: Comparison | None = None
    differences: list[tuple[str, list[Difference]]] = field(default_factory=list)
    fixes: FixesEffects | None = None

    @property
    def baseline(self) -> SystemScores:
        return self.systems[0]

    @property
    def corpus(self) -> CorpusScores:
        """The (first) system's corpus scores."""
        return self.baseline.corpus

    @property
    def documents(self) -> list[DocumentScores]:
        return self.baseline.documents

    @property
    def sentences(self) -> list[SentenceScores]:
        return self.baseline.sentences

    def to_dict(self) -> dict:
        data: dict = {
            "corpus": self.corpus.to_dict(),
            "documents": [d.to_dict() for d in self.documents],
            "sentences": [s.to_dict() for s in self.sentences],
            "systems_evaluated": [s.name for s in self.systems],
            "references": self.references,
        }
        if len(self.systems) > 1:
            data["systems"] = [{"system": s.name, "corpus": s.corpus.to_dict(),
                                "documents": [d.to_dict() for d in s.documents]} for s in self.systems]
        if self.comparison is not None:
            data["comparison"] = [e.to_dict() for e in self.comparison.systems]
            data["comparison_settings"] = self.comparison.settings_dict()
            data["differences"] = [{"system": name, "sentences": [d.to_dict() for d in rows]}
                                   for name, rows in self.differences]
        if self.fixes is not None:
            data["fixes_file"] = {"path": self.fixes.path, "sha256": self.fixes.sha256}
            data["fixes"] = [e.to_dict() for e in self.fixes.effects]
        return data

    def __str__(self) -> str:
        return "\n".join(self._table()) + "\n"

    def _table(self) -> list[str]:
        out = []
        width = max(len("system"), *(len(s.name) for s in self.systems))
        out.append(f"{'system':<{width}}  " + "  ".join(f"{m.label:>7}" for m in METRICS))
        for s in self.systems:
            out.append(f"{s.name:<{width}}  " + "  ".join(f"{s.corpus.scores[m.key]:7.2f}" for m in METRICS))
        out += [f"  {m.label}: {self.corpus.signatures[m.key]}" for m in METRICS]
        if len(self.documents) > 1:
            out += ["", *self._documents_table()]
        if self.comparison is not None:
            out += ["", f"paired tests against the baseline ({self.comparison.settings}); "
                        f"* marks p < 0.05 in both"]
            for e in self.comparison.systems:
                parts = []
                for key in TESTED_METRICS:
                    r = e.results[key]
                    p = "baseline" if e.baseline else \
                        f"p_bs={r.p_bootstrap:.4f} p_ar={r.p_ar:.4f}{' *' if r.significant else ''}"
                    parts.append(f"{METRIC[key].label} {r.score:.2f} [{r.ci[0]:.2f}, {r.ci[1]:.2f}] {p}")
                out.append(f"  {e.system:<{width}}  " + "   ".join(parts))
        if self.fixes is not None and self.fixes.effects:
            out += ["", "fix rules (leave-one-out: score with all target rules minus score without this one)"]
            iw = max(len(e.id) for e in self.fixes.effects)
            out += [f"  {e.id:<{iw}}  {e}" for e in self.fixes.effects]
        return out

    def _documents_table(self) -> list[str]:
        """Each document's scores, one column group per system when there are several."""
        dw = max(len("document"), *(len(d.name) for d in self.documents))
        if len(self.systems) == 1:
            rows = [f"{'document':<{dw}}  {'lines':>5}  " + "  ".join(f"{m.label:>7}" for m in METRICS)]
            rows += [f"{d.name:<{dw}}  {d.lines:5d}  " + "  ".join(f"{d.scores[m.key]:7.2f}" for m in METRICS)
                     for d in self.documents]
            return rows
        numbered = ", ".join(f"{i + 1} = {s.name}" for i, s in enumerate(self.systems))
        rows = [f"document scores per system ({numbered}; * marks p < 0.05 against 1, paired bootstrap)",
                f"{'document':<{dw}}  {'lines':>5}  " + "  ".join(
                    f"{m.label + ' ' + str(i + 1):>9}" for m in METRICS for i in range(len(self.systems)))]
        for j, d in enumerate(self.documents):
            cells = []
            for m in METRICS:
                for s in self.systems:
                    doc = s.documents[j]
                    cells.append(f"{doc.scores[m.key]:8.2f}{'*' if doc.significant(m.key) else ' '}")
            rows.append(f"{d.name:<{dw}}  {d.lines:5d}  " + "  ".join(cells))
        return rows
