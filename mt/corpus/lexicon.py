"""Language data for model-free alignment: function words per language and an it→en word lexicon.

Read once from mt/corpus/data/ (plain text files, `#` comments), so the knowledge stays out of the code.
"""

from __future__ import annotations

from functools import cache
from importlib import resources


def _data_lines(name: str) -> list[str]:
    text = resources.files("mt.corpus").joinpath("data", name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


@cache
def stopwords(lang: str) -> frozenset[str]:
    """Lower-case function words of `lang` ("it" or "en")."""
    return frozenset(word for line in _data_lines(f"stopwords.{lang}.txt") for word in line.split())


@cache
def lexicon() -> dict[str, tuple[str, ...]]:
    """Italian word (lower case) -> English words it often translates to."""
    entries: dict[str, tuple[str, ...]] = {}
    for line in _data_lines("lexicon.it-en.tsv"):
        italian, _, english = line.partition("\t")
        entries[italian] = tuple(dict.fromkeys(entries.get(italian, ()) + tuple(english.split())))
    return entries
