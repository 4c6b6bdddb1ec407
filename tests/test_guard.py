"""The repetition guard: loops it must catch, normal outputs it must pass (data/translate/guard.tsv)."""

from pathlib import Path

import pytest

from mt.translate.backends import DecodeSettings
from mt.translate.guard import Guard, looks_degenerate, repeated_ngram

CASES = [
    line.split("\t")
    for line in (Path(__file__).parent / "data" / "translate" / "guard.tsv").read_text("utf-8").splitlines()
    if line and not line.startswith("#")
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_guard_cases(text, expected):
    assert looks_degenerate(text) is (expected == "1")


def test_repeated_ngram_names_the_loop():
    assert repeated_ngram("a b c a b c a b c d".split()) == ("a", "b", "c")
    assert repeated_ngram("a b c a b c d".split()) is None


def test_token_id_loops_are_caught_even_when_the_text_looks_fine():
    assert looks_degenerate("Fine text.", ids=[5, 9, 9, 9, 9, 0])
    assert not looks_degenerate("Fine text.", ids=[5, 9, 7, 9, 3])


def test_runaway_length_against_the_source():
    source = "Piove."
    assert looks_degenerate(" ".join(f"w{i}" for i in range(40)), source)
    assert not looks_degenerate("It is raining in Rome today, they say.", source)


def test_retry_settings_penalise_repeats_and_keep_the_rest():
    base = DecodeSettings(beams=4, max_new_tokens=16, eos_id=0, pad_id=7, decoder_start_id=7,
                          bad_words_ids=((7,),))
    retry = Guard().retry_settings(base)
    assert retry.repetition_penalty > 1 and retry.no_repeat_ngram_size == 3
    assert (retry.beams, retry.max_new_tokens, retry.bad_words_ids, retry.pad_id) == (4, 16, ((7,),), 7)
