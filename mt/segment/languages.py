"""Per-language segmentation knowledge: abbreviations and sentence starters, read from data files.

A registry maps a language code to a `Language` subclass; a new language is a subclass plus
its data files.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from mt.errors import UsageError
from mt.wordlists import data_lines

DATA = Path(__file__).parent / "data"

# What an abbreviation does before the next word (see the header of data/*.abbreviations.txt).
PREFIX = "prefix"  # never ends a sentence: a title or a word that always has something after it
NUMBER = "number"  # an abbreviation before a number or Roman numeral, otherwise an ordinary word
FINAL = "final"  # may end a sentence: a boundary only before a common sentence starter
END = "end"  # closes a phrase (a.C., d.C.): a boundary before any capitalised word
KINDS = {PREFIX, NUMBER, FINAL, END}

_REGISTRY: dict[str, type[Language]] = {}


def register(code: str):
    """Class decorator: make a Language subclass available as `segment(text, lang=code)`."""

    def wrap(cls: type[Language]) -> type[Language]:
        cls.code = code
        _REGISTRY[code] = cls
        return cls

    return wrap


def read_abbreviations(path: Path) -> dict[str, str]:
    """`word[<TAB>kind]` lines -> {lowercased word: kind}."""
    table: dict[str, str] = {}
    for line in data_lines(path):
        word, _, kind = line.partition("\t")
        kind = kind.strip() or PREFIX
        if kind not in KINDS:
            raise ValueError(f"{path.name}: unknown abbreviation kind {kind!r} for {word!r}")
        table[word.strip().lower().rstrip(".")] = kind
    return table


@dataclass
class Language:
    """What the segmenter knows about one language; subclasses only name their data files."""

    code = ""
    abbreviations: dict[str, str]
    starters: frozenset[str]
    particles: frozenset[str]
    speech_verbs: frozenset[str]

    @classmethod
    def load(cls) -> Language:
        return cls(
            abbreviations=read_abbreviations(DATA / f"{cls.code}.abbreviations.txt"),
            starters=frozenset(data_lines(DATA / f"{cls.code}.starters.txt")),
            particles=frozenset(data_lines(DATA / f"{cls.code}.particles.txt")),
            speech_verbs=frozenset(data_lines(DATA / f"{cls.code}.speech_verbs.txt")),
        )


@register("it")
class Italian(Language):
    pass


@register("en")
class English(Language):
    pass


def languages() -> list[str]:
    """The registered language codes."""
    return sorted(_REGISTRY)


@cache
def get_language(code: str) -> Language:
    """The loaded data for `code`; an unknown code is a UsageError listing the known ones."""
    cls = _REGISTRY.get(code)
    if cls is None:
        raise UsageError(f"no segmenter for language {code!r}; choose one of: {', '.join(languages())}")
    return cls.load()
