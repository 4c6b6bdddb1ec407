"""`mt corpus stats`: rows per split and origin, length summaries, and the length-ratio histogram PNG."""

from __future__ import annotations

import json

import pytest

from mt.cli import main
from mt.corpus.formats import import_corpus
from mt.corpus.stats import corpus_stats, plot_ratios
from mt.errors import InputError

# it chars: 4, 10, 20, 6 ; en chars: 5, 10, 10, 12 ; it words: 1, 2, 5, 1 ; en words: 1, 2, 2, 3
ROWS = [
    {"it": "Ciao", "en": "Hello", "split": "train", "origin": "human"},
    {"it": "Buona sera", "en": "Good night", "split": "train", "origin": "mt"},
    {"it": "Il gatto è sul tetto", "en": "Cat, roof.", "split": "train", "origin": "mt"},
    {"it": "Grazie", "en": "Thanks a lot", "split": "test", "origin": "human"},
]


@pytest.fixture
def corpus(tmp_path):
    source = tmp_path / "rows.jsonl"
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ROWS), encoding="utf-8")
    return import_corpus(source, tmp_path / "corpus").files[0]


def test_counts_and_length_summaries(corpus):
    stats = corpus_stats(corpus)
    assert stats.rows == {"train": {"human": 1, "mt": 2}, "test": {"human": 1}}
    assert stats.lengths["it chars"] == pytest.approx(
        {"min": 4, "median": 8.0, "mean": 10.0, "p95": 18.5, "max": 20})
    assert stats.lengths["en words"] == pytest.approx(
        {"min": 1, "median": 2.0, "mean": 2.0, "p95": 2.85, "max": 3})
    assert stats.lengths["it words"]["max"] == 5
    assert sorted(stats.ratios.tolist()) == [0.5, 0.8, 1.0, 2.0]


def test_table_and_png(corpus, tmp_path):
    stats = corpus_stats(corpus)
    table = stats.format()
    assert "train" in table and "human" in table and "it chars" in table and "p95" in table
    png = plot_ratios(stats, tmp_path / "plots" / "ratios.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli(corpus, tmp_path, capsys):
    assert main(["corpus", "stats", str(corpus), "--png", str(tmp_path / "r.png")]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[2].split() == ["split", "human", "mt", "total"]
    assert ["total", "2", "2", "4"] in [line.split() for line in out.splitlines()]
    assert (tmp_path / "r.png").stat().st_size > 1000
    assert main(["corpus", "stats", str(corpus), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"]["test"] == {"human": 1}


def test_not_a_corpus_folder(tmp_path):
    with pytest.raises(InputError, match="no README.md"):
        corpus_stats(tmp_path)
