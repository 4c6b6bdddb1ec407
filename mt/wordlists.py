"""Word lists kept as data files (`#` comment lines and blank lines ignored): their one reader, and the
function words of each language (mt/data/stopwords.LANG.txt) that alignment and fix suggestions share.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data"


def data_lines(path: str | Path) -> list[str]:
    """The lines of a data file that hold data: stripped, without blank lines and `#` comment lines."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


@cache
def stopwords(lang: str) -> frozenset[str]:
    """Lower-case function words of `lang` ("it" or "en"), several to a line in the file."""
    return frozenset(word for line in data_lines(DATA / f"stopwords.{lang}.txt") for word in line.split())
