"""Evaluation reports a person reads: one self-contained HTML page or the same as Markdown.

The pages are Jinja templates in templates/; all text is escaped (HTML entities or Markdown escapes).
"""

from __future__ import annotations

import re
from pathlib import Path

from mt.errors import UsageError

TEMPLATES = {".html": "report.html", ".md": "report.md"}
WORST_SENTENCES = 20

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")


def md_escape(text: object) -> str:
    """Text safe inside a Markdown table cell: special characters escaped, line breaks as spaces."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def render_report(data: dict, fmt: str, worst: int = WORST_SENTENCES) -> str:
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
    worst_sentences = sorted(data["sentences"], key=lambda s: (s["chrf"], s["index"]))[:worst]
    return env.get_template(TEMPLATES[fmt]).render(
        data=data,
        systems=data.get("systems") or [{"system": data["systems_evaluated"][0], "corpus": data["corpus"]}],
        worst=worst_sentences,
        has_src=bool(data["sentences"]) and "src" in data["sentences"][0],
        labels={"bleu": "BLEU", "chrf": "chrF", "chrfpp": "chrF++", "ter": "TER"},
    )


def write_report(data: dict, path: str | Path, worst: int = WORST_SENTENCES) -> Path:
    """Write the report; the format follows the file's suffix (.html or .md)."""
    p = Path(path)
    text = render_report(data, p.suffix.lower(), worst)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(p)
    return p
