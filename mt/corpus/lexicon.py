"""The it→en word lexicon for model-free alignment: frequent news words that are not cognates.

Read once from mt/corpus/data/lexicon.it-en.tsv, so the knowledge stays out of the code.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from mt.wordlists import data_lines

LEXICON = Path(__file__).parent / "data" / "lexicon.it-en.tsv"


@cache
def lexicon() -> dict[str, tuple[str, ...]]:
    """Italian word (lower case) -> English words it often translates to."""
    entries: dict[str, tuple[str, ...]] = {}
    for line in data_lines(LEXICON):
        italian, _, english = line.partition("\t")
        entries[italian] = tuple(dict.fromkeys(entries.get(italian, ()) + tuple(english.split())))
    return entries
