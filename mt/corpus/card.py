"""The dataset card (`README.md`) of a corpus folder: a YAML header that `datasets.load_dataset` reads,
then a Markdown body stating the sources, split sizes, cleaning counts and columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mt.corpus.cleaning import RULES
from mt.corpus.dataset import COLUMNS, SplitInfo

COLUMN_NOTES = {
    "id": "stable row id: hash of (origin, doc_id, position of the record in its document)",
    "doc_id": "document id: the article's relative path without `.aligned.jsonl`",
    "paragraph": "paragraph (line) number in the article, 0-based",
    "sentence": "sentence or bead number within the article",
    "it": "Italian text",
    "en": "English text",
    "origin": "`mt` (machine translation by `mt translate`) or `human` (aligned human translation)",
    "score": "model or alignment score; null when unknown",
    "it_raw": "Italian text before fix rules; null when no rule changed it",
    "en_raw": "English text before fix rules; null when no rule changed it",
    "parts": "number of pieces a long sentence was translated in",
    "degenerate": "the translation looked degenerate (repetitions, truncation)",
}


@dataclass
class Source:
    """One input of a build or import: where it came from and what it gave."""

    path: str
    origin: str
    files: int = 0
    records: int = 0


@dataclass
class CardInfo:
    title: str
    license: str
    sources: list[Source]
    splits: list[SplitInfo]
    how: str  # one line: how the rows were made (split rule, seed)
    read: int = 0
    cleaning: list[str] = field(default_factory=list)  # the rules that were on
    dropped: dict[str, int] = field(default_factory=dict)
    empty_splits: list[str] = field(default_factory=list)
    description: str = ""


def _size_category(n: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                        (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M")):
        if n < limit:
            return name
    return "10M<n<100M"


def header(info: CardInfo) -> dict:
    total = sum(s.rows for s in info.splits)
    return {
        "language": ["it", "en"],
        "license": info.license,
        "pretty_name": info.title,
        "task_categories": ["translation"],
        "size_categories": [_size_category(total)],
        "configs": [{
            "config_name": "default",
            "data_files": [{"split": s.name, "path": f"data/{s.name}-*.parquet"} for s in info.splits],
        }],
        "dataset_info": {
            "config_name": "default",
            "features": [{"name": name, "dtype": dtype} for name, dtype in COLUMNS],
            "splits": [{"name": s.name, "num_bytes": s.num_bytes, "num_examples": s.rows}
                       for s in info.splits],
            "dataset_size": sum(s.num_bytes for s in info.splits),
        },
    }


def render_card(info: CardInfo) -> str:
    import yaml

    total = sum(s.rows for s in info.splits)
    lines = [
        "---",
        yaml.safe_dump(header(info), sort_keys=False, allow_unicode=True).rstrip(),
        "---",
        "",
        f"# {info.title}",
        "",
        "Sentence-aligned Italian–English pairs from news articles, built with `mt`.",
        "",
        *([info.description, ""] if info.description else []),
        "```python",
        "from datasets import load_dataset",
        'ds = load_dataset("path/to/this/folder")',
        "```",
        "",
        "## Sources",
        "",
        "| input | origin | files | records |",
        "|---|---|---:|---:|",
        *(f"| `{s.path}` | {s.origin} | {s.files} | {s.records} |" for s in info.sources),
        "",
        "## Splits",
        "",
        info.how,
        "",
        "| split | rows | documents |",
        "|---|---:|---:|",
        *(f"| {s.name} | {s.rows} | {s.docs} |" for s in info.splits),
        f"| total | {total} | {sum(s.docs for s in info.splits)} |",
        "",
    ]
    if info.empty_splits:
        lines += [f"Requested but empty (no document fell in them, so not declared): "
                  f"{', '.join(info.empty_splits)}.", ""]
    lines += ["## Cleaning", ""]
    if info.cleaning:
        lines += [
            f"{info.read} records read, {total} kept.",
            "",
            "| rule | dropped | what it drops |",
            "|---|---:|---|",
            *(f"| {name} | {info.dropped.get(name, 0)} | {RULES[name]} |" for name in info.cleaning),
            "",
        ]
    else:
        lines += [f"None: all {info.read} records kept as they were.", ""]
    lines += [
        "## Columns",
        "",
        "| column | type | meaning |",
        "|---|---|---|",
        *(f"| {name} | {dtype} | {COLUMN_NOTES[name]} |" for name, dtype in COLUMNS),
        "",
        "## License",
        "",
        f"`{info.license}`. The texts keep the licenses of their sources.",
        "",
    ]
    return "\n".join(lines)
