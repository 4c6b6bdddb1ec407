"""Evaluation reports a person reads: one self-contained HTML page or the same as Markdown.

The pages are Jinja templates in templates/ over an `Evaluation`; all text is escaped (HTML entities or
Markdown escapes); the metric columns come from the metric table in metrics.py.
"""

from __future__ import annotations

import re
from pathlib import Path

from mt.errors import UsageError
from mt.evaluate.comparison import DEFAULT_WORST
from mt.evaluate.metrics import METRIC, METRICS, TESTED_METRICS
from mt.evaluate.results import Evaluation
from mt.evaluate.rule_effects import EFFECT_METRICS
from mt.files import atomic_write

TEMPLATES = {".html": "report.html", ".md": "report.md"}

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")


def md_escape(text: object) -> str:
    """Text safe inside a Markdown table cell: special characters escaped, line breaks as spaces."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def direction(key: str, score: float, baseline: float, significant: bool) -> str:
    """The CSS class of a score compared with the baseline's: "better" or "worse" when the difference
    is significant (TER: lower is better), else ""."""
    if not significant or score == baseline:
        return ""
    return "better" if (score > baseline) == METRIC[key].higher_is_better else "worse"


# how Markdown shows the CSS classes of the HTML page
MD_MARKS = {"better": " ▲", "worse": " ▼", "": ""}


def render_report(evaluation: Evaluation, fmt: str, worst: int = DEFAULT_WORST) -> str:
    """The report text; fmt is ".html" or ".md"."""
    import jinja2

    if fmt not in TEMPLATES:
        raise UsageError(f"unknown report format {fmt!r}; name the report OUT.html or OUT.md")
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("mt.evaluate", "templates"),
        autoescape=fmt == ".html",
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_escape
    worst_sentences = sorted(evaluation.sentences, key=lambda s: (s.scores["chrf"], s.index))[:worst]
    # each document with every system's scores on it, worst (baseline chrF) first
    order = sorted(range(len(evaluation.documents)), key=lambda j: evaluation.documents[j].scores["chrf"])
    documents = [[s.documents[j] for s in evaluation.systems] for j in order]
    return env.get_template(TEMPLATES[fmt]).render(
        ev=evaluation,
        metrics=METRICS,
        tested=[METRIC[k] for k in TESTED_METRICS],
        effect_metrics=[METRIC[k] for k in EFFECT_METRICS],
        documents=documents,
        worst=worst_sentences,
        has_src=any(s.src is not None for s in evaluation.sentences),
        direction=direction,
        mark=MD_MARKS.get,
    )


def write_report(evaluation: Evaluation, path: str | Path, worst: int = DEFAULT_WORST) -> Path:
    """Write the report atomically; the format follows the file's suffix (.html or .md)."""
    p = Path(path)
    atomic_write(p, render_report(evaluation, p.suffix.lower(), worst))
    return p
