"""Clause splitting of over-long sentences (cases in tests/data/translate/split.tsv, limits in words)."""

import random
import string
import time
from pathlib import Path

import pytest

from mt.errors import InputError
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


def test_a_text_over_the_most_tokens_is_refused_naming_the_limit():
    with pytest.raises(InputError, match=r"sentence of 40 tokens is longer than the 10 .*\(5 model inputs\)"):
        split_long("parola " * 40, words, 2, most=10)
    assert len(split_long("parola " * 10, words, 2, most=10)) == 5


class Counted:
    """A count that is the text's length in characters, adding up how many characters it was asked about."""

    def __init__(self):
        self.seen = 0

    def __call__(self, text: str) -> int:
        self.seen += len(text)
        return len(text)


@pytest.mark.parametrize("text", [
    "x" * 5_000_000,                                # 5 MB with no space
    "parola " * 700_000,                           # words without punctuation
    ("uno, due; tre: quattro cinque " * 170_000),  # every boundary level
], ids=["no-spaces", "words", "clauses"])
def test_splitting_is_linear_in_the_text(text):
    count = Counted()
    parts = split_long(text, count, 512)
    assert all(len(p) <= 512 for p in parts)
    assert "".join(parts).replace(" ", "") == text.replace(" ", "")
    # each character is counted a bounded number of times, not once per part before it
    assert count.seen < 12 * len(text)


@pytest.mark.slow
def test_long_lines_split_in_seconds_with_the_model_tokenizer(tiny_model):
    from mt.translate.model import load_tokenizer, resolve_model

    tokenizer = load_tokenizer(resolve_model(str(tiny_model)))

    def count(text: str) -> int:
        return len(tokenizer(text, verbose=False)["input_ids"])

    rng = random.Random(0)
    no_spaces = "".join(rng.choice(string.ascii_lowercase) for _ in range(200_000))
    no_punctuation = " ".join(rng.choice(["governo", "legge", "di", "la", "riforma"]) for _ in range(20_000))
    for text in (no_spaces, no_punctuation):
        start = time.perf_counter()
        parts = split_long(text, count, 512)
        assert time.perf_counter() - start < 10
        assert all(count(p) <= 512 for p in parts)
        assert "".join(parts).replace(" ", "") == text.replace(" ", "")
