"""Export and import: TMX, Moses, JSONL and Parquet round trips lose nothing; bad files fail clearly."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mt.cli import main
from mt.corpus.build import build_corpus
from mt.corpus.dataset import DatasetFolder
from mt.corpus.formats import FORMATS, export_corpus, get_format, import_corpus
from mt.errors import InputError, UsageError
from mt.records import AlignedRecord, write_jsonl

DATA = Path(__file__).parent / "data" / "corpus"

# Texts that trip naive writers: XML specials, quotes, tabs, CR, non-ASCII, edge spaces, a ]]>.
TRICKY = [
    ("L'«Unità» & <il> \"Corriere\"", "The «Unità» & <the> \"Courier\""),
    ("Prezzo: 5 € ]]> fine\tcon tab", "Price: €5 ]]> end\twith tab"),
    ("  spazi ai lati  ", "  edge spaces  "),
    ("ritorno\rcarrello", "carriage\rreturn"),
    ("Perché è così? Già.", "Why is it so? Indeed."),
    ("emoji 🇮🇹 e cinese 中文", "emoji 🇮🇹 and Chinese 中文"),
]


def make_corpus(tmp_path: Path, texts=TRICKY) -> Path:
    """A corpus with 3 documents spread over splits, nulls and non-default values included."""
    src = tmp_path / "aligned"
    src.mkdir()
    (src / "manifest.json").write_text(json.dumps({"model": "tiny", "settings": {}, "files": {}}))
    for d in range(3):
        records = [
            AlignedRecord(i, i, f"{it} ({d})", f"{en} ({d})", parts=1 + i % 2, degenerate=i == 2,
                          score=None if i % 3 == 0 else -0.25 * i,
                          source_raw="grezzo" if i == 1 else None, target_raw="raw" if i == 4 else None)
            for i, (it, en) in enumerate(texts)
        ]
        (src / f"doc{d}.aligned.jsonl").write_text(write_jsonl(records), encoding="utf-8")
    return build_corpus(src, tmp_path / "corpus", split="train=0.4,validation=0.3,test=0.3",
                        empty_filter=False, dedup=False, identical_filter=False, length_filter=False).path


def rows(path: Path) -> list:
    return list(DatasetFolder(path).iter_rows())


@pytest.mark.parametrize("name,out", [("tmx", "c.tmx"), ("jsonl", "c.jsonl"), ("parquet", "c.parquet")])
def test_round_trip_keeps_every_column_and_order(tmp_path, name, out):
    corpus = make_corpus(tmp_path)
    original = rows(corpus)
    assert len({split for split, _ in original}) > 1  # the order across splits is really exercised
    report = export_corpus(corpus, tmp_path / out)
    assert report.rows == len(original)
    back = tmp_path / "back"
    import_corpus(tmp_path / out, back, format=name)
    assert rows(back) == original
    assert DatasetFolder(back).splits == DatasetFolder(corpus).splits


def test_moses_round_trip_keeps_pairs_and_order(tmp_path):
    # a CR is a line break to Moses tools, so it cannot travel; everything else must
    corpus = make_corpus(tmp_path, texts=[(it, en) for it, en in TRICKY if "\r" not in it + en])
    original = rows(corpus)
    report = export_corpus(corpus, tmp_path / "c", format="moses")
    assert [p.name for p in report.files] == ["c.it", "c.en"]
    import_corpus(tmp_path / "c.it", tmp_path / "back")
    back = rows(tmp_path / "back")
    assert [(r["it"], r["en"]) for _, r in back] == [(r["it"], r["en"]) for _, r in original]
    assert {split for split, _ in back} == {"train"}
    assert {r["doc_id"] for _, r in back} == {"c"}


def test_moses_turns_line_breaks_into_spaces(tmp_path, caplog):
    corpus = make_corpus(tmp_path, texts=[("riga uno\nriga due", "line one\r\nline two")])
    export_corpus(corpus, tmp_path / "c", format="moses")
    it_lines = (tmp_path / "c.it").read_text(encoding="utf-8").splitlines()
    en_lines = (tmp_path / "c.en").read_text(encoding="utf-8").splitlines()
    assert len(it_lines) == len(en_lines) == 3
    assert all(line.startswith("riga uno riga due (") for line in it_lines)
    assert all(line.startswith("line one line two (") for line in en_lines)
    assert "line breaks" in caplog.text


def test_export_writes_splits_in_card_order(tmp_path):
    corpus = make_corpus(tmp_path)
    export_corpus(corpus, tmp_path / "c.jsonl")
    lines = [json.loads(line) for line in (tmp_path / "c.jsonl").read_text(encoding="utf-8").splitlines()]
    seen = list(dict.fromkeys(r["split"] for r in lines))
    assert seen == DatasetFolder(corpus).splits
    assert all("doc_id" in r for r in lines)


def test_tmx_has_header_props_and_escaping(tmp_path):
    corpus = make_corpus(tmp_path)
    export_corpus(corpus, tmp_path / "c.tmx")
    text = (tmp_path / "c.tmx").read_text(encoding="utf-8")
    assert '<tmx version="1.4">' in text and 'srclang="it"' in text
    assert '<prop type="split">' in text and '<prop type="doc_id">doc' in text
    assert "&amp; &lt;il&gt;" in text and "]]&gt;" in text and "&#13;" in text


@pytest.mark.parametrize("line", [line for line in (DATA / "errors.tsv").read_text().splitlines()
                                  if not line.startswith("#")])
def test_malformed_input_is_one_clear_error(tmp_path, line):
    name, fmt, expected = line.split("\t")
    for f in (DATA / "bad").glob(f"{name}*"):
        shutil.copy(f, tmp_path / f.name)
    with pytest.raises(InputError) as e:
        import_corpus(tmp_path / name, tmp_path / "out", format=fmt)
    assert expected in str(e.value)
    assert "\n" not in str(e.value)
    # nothing half-written: neither the corpus folder nor its temporary folder is left
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(name)) == []


def test_json_nested_100000_deep_is_one_error_line(tmp_path, capsys):
    deep = "[" * 100_000 + "]" * 100_000
    (tmp_path / "deep.jsonl").write_text('{"it": "Ciao", "en": "Hello"}\n{"it": ' + deep + ', "en": "x"}\n')
    assert main(["corpus", "import", str(tmp_path / "deep.jsonl"), "--to", str(tmp_path / "out"),
                 "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "deep.jsonl:2: JSON nested too deeply" in err
    assert [p.name for p in tmp_path.iterdir()] == ["deep.jsonl"]


@pytest.mark.parametrize("column,values,expected", [
    ("score", [0.5, float("nan")], "x.parquet: row 2: field 'score' must be a finite number, not nan"),
    ("parts", [1.0, 2.0], "x.parquet: row 1: field 'parts' must be a whole number, not 1.0"),
    ("paragraph", [1, 2**40], "x.parquet: row 2: field 'paragraph' must be between 0 and 2147483647"),
    ("degenerate", ["false", "true"], "x.parquet: row 1: field 'degenerate' must be true or false"),
])
def test_parquet_values_are_checked_not_coerced(tmp_path, column, values, expected):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"it": ["Ciao", "Addio"], "en": ["Hello", "Bye"], column: values}),
                   tmp_path / "x.parquet")
    with pytest.raises(InputError) as e:
        import_corpus(tmp_path / "x.parquet", tmp_path / "out")
    assert expected in str(e.value)
    assert [p.name for p in tmp_path.iterdir()] == ["x.parquet"]


def test_moses_keeps_only_the_text_and_says_so(tmp_path, capsys):
    corpus = make_corpus(tmp_path, texts=[(f"Frase {i}.", f"Sentence {i}.") for i in range(6)])
    export_corpus(corpus, tmp_path / "c.it")
    import_corpus(tmp_path / "c.it", tmp_path / "back")
    before, after = rows(corpus), rows(tmp_path / "back")
    assert [(r["it"], r["en"]) for _, r in before] == [(r["it"], r["en"]) for _, r in after]
    lost = {key for (sa, a), (sb, b) in zip(before, after) for key in [*a, "split"]
            if {**a, "split": sa}[key] != {**b, "split": sb}[key]}
    assert lost and lost <= set(FORMATS["moses"].loses)
    with pytest.raises(SystemExit):
        main(["corpus", "export", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "Moses keeps only the text" in help_text and ", ".join(FORMATS["moses"].loses) in help_text


def test_parquet_without_text_columns_is_an_error(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"it": ["Ciao"], "english": ["Hello"]}), tmp_path / "x.parquet")
    with pytest.raises(InputError, match=r"x.parquet: lacks column\(s\) en"):
        import_corpus(tmp_path / "x.parquet", tmp_path / "out")


def test_import_fills_defaults_for_minimal_records(tmp_path):
    (tmp_path / "news.jsonl").write_text('{"it": "Ciao", "en": "Hello"}\n'
                                         '{"it": "Addio", "en": "Goodbye", "split": "test"}\n')
    import_corpus(tmp_path / "news.jsonl", tmp_path / "out", origin="mt")
    got = rows(tmp_path / "out")
    assert [(s, r["it"], r["doc_id"], r["origin"], r["sentence"]) for s, r in got] == [
        ("train", "Ciao", "news", "mt", 0), ("test", "Addio", "news", "mt", 1)]
    assert len({r["id"] for _, r in got}) == 2


def test_format_from_extension_and_unknown(tmp_path):
    assert get_format(None, Path("a.tmx")).name == "tmx"
    assert get_format(None, Path("a.en")).name == "moses"
    assert set(FORMATS) == {"tmx", "moses", "jsonl", "parquet"}
    with pytest.raises(UsageError, match="pass --format"):
        get_format(None, tmp_path / "corpus.txt")


def test_cli_export_import_and_failed_export_leaves_nothing(tmp_path, capsys):
    corpus = make_corpus(tmp_path)
    assert main(["corpus", "export", str(corpus), "--out", str(tmp_path / "c.tmx"), "--quiet"]) == 0
    assert main(["corpus", "import", str(tmp_path / "c.tmx"), "--to", str(tmp_path / "b"), "--quiet"]) == 0
    assert rows(tmp_path / "b") == rows(corpus)
    # the target exists: refused, and the existing corpus is untouched
    assert main(["corpus", "import", str(tmp_path / "c.tmx"), "--to", str(tmp_path / "b")]) == 2
    assert "--force" in capsys.readouterr().err
    (next((corpus / "data").glob("train-*.parquet"))).write_bytes(b"not parquet")
    assert main(["corpus", "export", str(corpus), "--out", str(tmp_path / "d.jsonl"), "--quiet"]) == 2
    assert not list(tmp_path.glob("*d.jsonl*"))
