"""mt.corpus.card: the dataset card's YAML header (what load_dataset reads) and its Markdown body."""

from __future__ import annotations

import yaml

from mt.corpus.card import COLUMN_NOTES, CardInfo, Source, render_card
from mt.corpus.cleaning import RULES
from mt.corpus.dataset import COLUMNS, SplitInfo, read_card_header


def _info(**changes) -> CardInfo:
    info = CardInfo(
        title="news-it-en",
        license="cc-by-4.0",
        sources=[Source("out/translated", "mt", files=3, records=40), Source("out/aligned", "human", 2, 12)],
        splits=[SplitInfo("train", 45, 4, 9000), SplitInfo("test", 5, 1, 1000)],
        how="Split by document; seed 0.",
        read=52,
        cleaning=["empty", "duplicate"],
        dropped={"duplicate": 2},
        description="Articles from a test feed.",
    )
    for key, value in changes.items():
        setattr(info, key, value)
    return info


def _header(card: str) -> dict:
    assert card.startswith("---\n")
    return yaml.safe_load(card.split("\n---\n", 1)[0][4:])


def test_header_declares_splits_features_and_sizes(tmp_path):
    card = render_card(_info())
    header = _header(card)
    assert header["license"] == "cc-by-4.0" and header["language"] == ["it", "en"]
    assert header["pretty_name"] == "news-it-en" and header["size_categories"] == ["n<1K"]
    assert header["configs"] == [{"config_name": "default", "data_files": [
        {"split": "train", "path": "data/train-*.parquet"},
        {"split": "test", "path": "data/test-*.parquet"}]}]
    info = header["dataset_info"]
    assert info["features"] == [{"name": n, "dtype": t} for n, t in COLUMNS]
    assert info["splits"] == [{"name": "train", "num_bytes": 9000, "num_examples": 45},
                              {"name": "test", "num_bytes": 1000, "num_examples": 5}]
    assert info["dataset_size"] == 10000
    (tmp_path / "README.md").write_text(card, encoding="utf-8")
    assert read_card_header(tmp_path / "README.md") == header  # the reader of corpus folders agrees


def test_body_states_sources_splits_cleaning_and_columns():
    card = render_card(_info())
    body = card.split("\n---\n", 1)[1]
    assert "# news-it-en" in body and "Articles from a test feed." in body
    assert "| `out/translated` | mt | 3 | 40 |" in body and "| `out/aligned` | human | 2 | 12 |" in body
    assert "| train | 45 | 4 |" in body and "| total | 50 | 5 |" in body
    assert "52 records read, 50 kept." in body
    assert f"| duplicate | 2 | {RULES['duplicate']} |" in body and f"| empty | 0 | {RULES['empty']} |" in body
    for name, dtype in COLUMNS:
        assert f"| {name} | {dtype} | {COLUMN_NOTES[name]} |" in body
    assert "`cc-by-4.0`" in body


def test_no_cleaning_and_empty_splits_are_said():
    body = render_card(_info(cleaning=[], empty_splits=["validation"], description=""))
    assert "None: all 52 records kept as they were." in body
    assert "Requested but empty (no document fell in them, so not declared): validation." in body
    assert "validation" not in str(_header(body)["configs"])


def test_size_category_grows_with_rows():
    big = _info(splits=[SplitInfo("train", 250_000, 900, 1)])
    assert _header(render_card(big))["size_categories"] == ["100K<n<1M"]
