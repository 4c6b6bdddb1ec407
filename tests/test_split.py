"""Clause splitting of over-long sentences (cases in tests/data/translate/split.tsv, limits in words)."""

from pathlib import Path

import pytest

from mt.translate.split import split_long

CASES = [
    line.split("\t")
    for line in (Path(__file__).parent / "data" / "translate" / "split.tsv").read_text("utf-8").splitlines()
    if line and not line.startswith("#")
]


def words(text: str) -> int:
    return len(text.split())


@pytest.mark.parametrize(("limit", "sentence", "expected"), CASES)
def test_split_cases(limit, sentence, expected):
    parts = split_long(sentence, words, int(limit))
    assert parts == expected.split(" | ")
    assert all(words(p) <= int(limit) for p in parts)
    assert " ".join(parts) == sentence


def test_a_word_longer_than_the_limit_is_cut_by_characters():
    parts = split_long("x" * 50, len, 8)
    assert all(len(p) <= 8 for p in parts) and "".join(parts) == "x" * 50
