"""One evaluation run: corpus, document and sentence scores, system comparison and fix-rule effects.

`evaluate()` is the library entry point behind `mt evaluate`; its result prints itself as a table and
turns into the JSON the command writes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from mt.evaluate.comparison import TestSettings, compare
from mt.evaluate.metrics import METRICS, bleu_details, compute_statistics, sentence_scores
from mt.evaluate.rule_effects import apply_target_rules, rule_effects
from mt.evaluate.testset import TestSet, load_testset
from mt.fixes import RuleSet, load_rules

log = logging.getLogger(__name__)

# metric key -> how it is shown in tables
LABELS = {"bleu": "BLEU", "chrf": "chrF", "chrfpp": "chrF++", "ter": "TER"}


@dataclass
class Evaluation:
    """The result of `evaluate`: `to_dict()` is the `--json` output, `str()` the readable table."""

    data: dict

    def to_dict(self) -> dict:
        return self.data

    @property
    def corpus(self) -> dict:
        return self.data["corpus"]

    def __str__(self) -> str:
        return format_table(self.data)


def _r(x: float) -> float:
    return round(float(x), 4)


def score_system(lines: list[str], testset: TestSet) -> dict:
    """Corpus, per-document and per-sentence scores of one system."""
    stats = compute_statistics(lines, testset.references)
    corpus = {name: _r(stats.score(name)) for name in METRICS}
    corpus["signature"] = {name: stats.signature(name) for name in METRICS}
    corpus["bleu_details"] = bleu_details(stats.corpus("bleu"))
    documents = [
        {"name": d.name, "lines": d.end - d.start,
         **{name: _r(stats.score(name, d.start, d.end)) for name in METRICS}}
        for d in testset.documents
    ]
    sentences = []
    for i, scores in enumerate(sentence_scores(stats)):
        seg = testset.segments[i]
        row = {"index": i, "document": seg.document, "line": seg.line,
               **{k: _r(v) for k, v in scores.items()},
               "hyp": lines[i], "ref": testset.references[0][i]}
        if testset.sources is not None:
            row["src"] = testset.sources[i]
        sentences.append(row)
    return {"corpus": corpus, "documents": documents, "sentences": sentences, "statistics": stats}


def differences(base: list[dict], other: list[dict], limit: int) -> list[dict]:
    """The sentences where two systems' sentence chrF differ most."""
    rows = sorted(zip(base, other), key=lambda p: -abs(p[1]["chrf"] - p[0]["chrf"]))[:limit]
    return [{"index": a["index"], "document": a["document"], "line": a["line"],
             "chrf_baseline": a["chrf"], "chrf_system": b["chrf"], "delta_chrf": _r(b["chrf"] - a["chrf"]),
             "baseline": a["hyp"], "system": b["hyp"], "ref": a["ref"],
             **({"src": a["src"]} if "src" in a else {})}
            for a, b in rows]


def evaluate(
    hyp: str | Path | list[str | Path],
    ref: str | Path | list[str | Path],
    *,
    src: str | Path | None = None,
    docs: str | Path | None = None,
    fixes: str | Path | RuleSet | None = None,
    settings: TestSettings | None = None,
    max_differences: int = 20,
) -> Evaluation:
    """Score hypothesis files or folders against references (see `mt evaluate --help`)."""
    hyps = hyp if isinstance(hyp, list) else [hyp]
    refs = ref if isinstance(ref, list) else [ref]
    testset = load_testset(hyps, refs, src, docs)
    ruleset = load_rules(fixes) if isinstance(fixes, str | Path) else fixes
    raw_baseline = testset.baseline
    totals: dict[str, int] = {}
    if ruleset is not None:
        fixed_systems = []
        for i, (name, lines) in enumerate(testset.systems):
            fixed, counts = apply_target_rules(ruleset, lines)
            fixed_systems.append((name, fixed))
            if i == 0:
                totals = counts
        testset.systems = fixed_systems

    scored = [score_system(lines, testset) for _, lines in testset.systems]
    first = scored[0]
    data: dict = {
        "corpus": first["corpus"],
        "documents": first["documents"],
        "sentences": first["sentences"],
        "systems_evaluated": [name for name, _ in testset.systems],
        "references": [str(r) for r in refs],
    }
    if len(scored) > 1:
        data["systems"] = [{"system": name, "corpus": s["corpus"], "documents": s["documents"]}
                           for (name, _), s in zip(testset.systems, scored)]
        settings = settings or TestSettings()
        data["comparison"], signatures = compare(testset.systems, testset.references, settings)
        data["comparison_settings"] = {**settings.to_dict(), "signatures": signatures}
        data["differences"] = [
            {"system": name, "sentences": differences(first["sentences"], s["sentences"], max_differences)}
            for (name, _), s in zip(testset.systems[1:], scored[1:])
        ]
    if ruleset is not None:
        data["fixes_file"] = {"path": ruleset.path, "sha256": ruleset.digest}
        data["fixes"] = rule_effects(ruleset, raw_baseline, testset.baseline, totals,
                                     testset.references, first["statistics"], testset.sources)
    return Evaluation(data)


def format_table(data: dict) -> str:
    """The readable form: corpus scores, documents, and (when present) comparison and fix effects."""
    keys = list(LABELS)
    out = []
    systems = data.get("systems") or [{"system": data["systems_evaluated"][0], "corpus": data["corpus"]}]
    width = max(len("system"), *(len(s["system"]) for s in systems))
    out.append(f"{'system':<{width}}  " + "  ".join(f"{LABELS[k]:>7}" for k in keys))
    for s in systems:
        out.append(f"{s['system']:<{width}}  " + "  ".join(f"{s['corpus'][k]:7.2f}" for k in keys))
    for k in keys:
        out.append(f"  {LABELS[k]}: {data['corpus']['signature'][k]}")
    if len(data["documents"]) > 1:
        out.append("")
        dw = max(len("document"), *(len(d["name"]) for d in data["documents"]))
        out.append(f"{'document':<{dw}}  {'lines':>5}  " + "  ".join(f"{LABELS[k]:>7}" for k in keys))
        for d in data["documents"]:
            out.append(f"{d['name']:<{dw}}  {d['lines']:5d}  " + "  ".join(f"{d[k]:7.2f}" for k in keys))
    if data.get("comparison"):
        cs = data["comparison_settings"]
        out.append("")
        out.append(f"paired tests against the baseline (seed {cs['seed']}, "
                   f"{cs['bootstrap_resamples']} bootstrap resamples, {cs['ar_trials']} AR trials)")
        for e in data["comparison"]:
            parts = []
            for k in ("bleu", "chrf"):
                m = e[k]
                p = "baseline" if e["baseline"] else f"p_bs={m['p_bootstrap']:.4f} p_ar={m['p_ar']:.4f}"
                parts.append(f"{LABELS[k]} {m['score']:.2f} [{m['ci'][0]:.2f}, {m['ci'][1]:.2f}] {p}")
            out.append(f"  {e['system']:<{width}}  " + "   ".join(parts))
    if data.get("fixes"):
        out.append("")
        out.append("fix rules (leave-one-out: score with all target rules minus score without this one)")
        iw = max(len(f["id"]) for f in data["fixes"])
        for f in data["fixes"]:
            if f["evaluated"]:
                out.append(f"  {f['id']:<{iw}}  applied {f['applied']:4d}  "
                           f"dBLEU {f['delta_bleu']:+.2f}  dchrF {f['delta_chrf']:+.2f}")
            else:
                note = f", would apply {f['applied']}x to the sources" if "applied" in f else ""
                out.append(f"  {f['id']:<{iw}}  source rule: not evaluated (needs re-translation{note})")
    return "\n".join(out) + "\n"
