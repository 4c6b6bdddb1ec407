"""Segmentation gold sets: the shared JSONL gold, plain case files, or gold built from sentence-per-line text.

`paragraphs_from_documents` is the construction of shared/data/seg/ntrex_it_dev.jsonl, so the same
gold can be built for the English side of NTREX-128.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from mt.errors import InputError

# A line ending in one of these continues the paragraph (the shared README's construction).
CONTINUING_ENDS = (".", "!", "?", "…", ":", ";", "”", "»", '"', "'")


@dataclass(frozen=True)
class GoldParagraph:
    """A paragraph and its gold sentences (joined by one space they give `text`)."""

    text: str
    sentences: list[str]
    doc: str = ""


def read_gold(path: str | Path) -> list[GoldParagraph]:
    """Read a gold JSONL file: one {"text", "sentences", ["doc"]} object per line."""
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise InputError(f"cannot read gold file {p}: {e.strerror}") from None
    return [
        GoldParagraph(d["text"], d["sentences"], d.get("doc", ""))
        for d in map(json.loads, filter(str.strip, lines))
    ]


def paragraphs_from_documents(folder: str | Path, lang: str) -> list[GoldParagraph]:
    """Gold paragraphs from `folder/DOCID.LANG.txt` (documents in docs.tsv order when present).

    Line 1 (the headline) is skipped; the other lines, one sentence each, are joined into paragraphs;
    a paragraph ends after a line not ending in CONTINUING_ENDS, and at the end of the document.
    """
    folder = Path(folder)
    order = folder / "docs.tsv"
    if order.exists():
        docs = [line.split("\t")[0] for line in order.read_text(encoding="utf-8").splitlines() if line]
    else:
        docs = sorted(p.name[: -len(f".{lang}.txt")] for p in folder.glob(f"*.{lang}.txt"))
    if not docs:
        raise InputError(f"no *.{lang}.txt documents in {folder}")
    gold = []
    for doc in docs:
        lines = (folder / f"{doc}.{lang}.txt").read_text(encoding="utf-8").splitlines()[1:]
        current: list[str] = []
        for line in lines:
            current.append(" ".join(line.split()))
            if not line.rstrip().endswith(CONTINUING_ENDS):
                gold.append(GoldParagraph(" ".join(current), current, doc))
                current = []
        if current:
            gold.append(GoldParagraph(" ".join(current), current, doc))
    return gold


def paragraphs_from_lines(path: str | Path, size: int = 5) -> list[GoldParagraph]:
    """Gold paragraphs from a one-sentence-per-line file: each run of `size` lines joined by a space.

    For test sets such as newstest or FLORES, whose lines follow the documents' order; a line that
    holds two sentences counts as one, which costs every segmenter the same.
    """
    p = Path(path)
    try:
        lines = [" ".join(line.split()) for line in p.read_text(encoding="utf-8").splitlines()]
    except OSError as e:
        raise InputError(f"cannot read {p}: {e.strerror}") from None
    lines = [line for line in lines if line]
    return [
        GoldParagraph(" ".join(lines[i : i + size]), lines[i : i + size], p.name)
        for i in range(0, len(lines), size)
    ]


def read_cases(path: str | Path) -> list[GoldParagraph]:
    """A case file: blocks of `paragraph`, `---`, one expected sentence per line, `===`.

    This is sentencex's test format; lines starting with # are comments.
    """
    p = Path(path)
    cases = []
    source: list[str] = []
    expected: list[str] | None = None
    for number, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("#"):
            continue
        if line == "---":
            expected = []
        elif line == "===":
            if expected is None:
                raise InputError(f"{p}:{number}: === before ---")
            cases.append(GoldParagraph("\n".join(source).strip(), expected, p.name))
            source, expected = [], None
        elif expected is not None:
            expected.append(line)
        elif line.strip():
            source.append(line)
    if source:
        raise InputError(f"{p}: the last case has no closing ===")
    return cases
