"""`mt corpus build`: aligned output folders -> a Parquet dataset that `datasets.load_dataset` opens.

load_dataset runs in a fresh offline interpreter (HF_HUB_OFFLINE=1, HF_DATASETS_OFFLINE=1), as a user's would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from mt.cli import main
from mt.corpus.build import assign_split, build_corpus, parse_split
from mt.corpus.cleaning import Cleaner
from mt.corpus.dataset import COLUMN_NAMES, DatasetFolder
from mt.errors import InputError, UsageError
from mt.output_folder import ManifestData
from mt.records import AlignedRecord, read_records, write_jsonl

DATA = Path(__file__).parent / "data" / "corpus"
ROOT = Path(__file__).resolve().parent.parent


def write_folder(root: Path, docs: dict[str, list[AlignedRecord]], model: str | None) -> Path:
    """An output folder as `mt translate` (model given) or `mt corpus align` (no model) leaves it."""
    root.mkdir(parents=True)
    manifest = {"model": model, "settings": {}, "files": {}} if model else {"origin": "human", "files": {}}
    (root / "manifest.json").write_text(json.dumps(manifest))
    for name, records in docs.items():
        path = root / f"{name}.aligned.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(write_jsonl(records), encoding="utf-8")
    return root


def sample_docs(n_docs: int = 20) -> dict[str, list[AlignedRecord]]:
    docs = {}
    for d in range(n_docs):
        name = f"2024/art{d:02d}" if d % 2 else f"art{d:02d}"
        docs[name] = [
            AlignedRecord(0, 0, f"Titolo dell'articolo {d}.", f"Title of article {d}.", score=-0.5),
            AlignedRecord(1, 1, f"Prima frase {d}, più lunga.", f"First sentence {d}, longer.",
                          source_raw=f"Prima  frase {d}, più lunga."),
            AlignedRecord(1, 2, "Frase solo italiana.", ""),  # a 1:0 bead
            AlignedRecord(2, 3, "Roma", "Roma"),
            AlignedRecord(2, 4, "Il governo ha approvato la legge.", "The government passed the law.",
                          parts=2, degenerate=True, target_raw="The government passed passed the law."),
        ]
    return docs


def load_offline(*paths: Path) -> list[dict]:
    """Each dataset as {split: [rows]} read by datasets.load_dataset in a fresh offline interpreter."""
    code = (
        "import json, sys, datasets\n"
        "out = []\n"
        "for path, cache in zip(sys.argv[1::2], sys.argv[2::2]):\n"
        "    ds = datasets.load_dataset(path, cache_dir=cache)\n"
        "    out.append({'splits': {k: v.to_list() for k, v in ds.items()},\n"
        "                'features': {k: str(v.features) for k, v in ds.items()}})\n"
        "print(json.dumps(out))\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    # the datasets cache goes to a temp folder, never beside the corpus (corpora/ is in git)
    with tempfile.TemporaryDirectory() as cache:
        args = [a for i, p in enumerate(paths) for a in (str(p), f"{cache}/{i}")]
        done = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True,
                              timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.slow
def test_no_clean_corpus_loads_offline_with_every_record(tmp_path):
    docs = sample_docs()
    mt_dir = write_folder(tmp_path / "translated", docs, model="tiny")
    human_dir = write_folder(tmp_path / "aligned", {"art00": docs["art00"]}, model=None)
    report = build_corpus([mt_dir, human_dir], tmp_path / "ds", empty_filter=False, dedup=False,
                          identical_filter=False, length_filter=False, seed=3)
    [loaded] = load_offline(report.path)
    got = [row for split in loaded["splits"].values() for row in split]
    assert all(list(row) == COLUMN_NAMES for row in got)
    assert len(got) == sum(len(r) for r in docs.values()) + len(docs["art00"])
    # every aligned record is a row, with its values
    expected = {}
    for origin, folder in (("mt", mt_dir), ("human", human_dir)):
        for file in folder.rglob("*.aligned.jsonl"):
            name = file.relative_to(folder).as_posix().removesuffix(".aligned.jsonl")
            for i, record in enumerate(read_records(file)):
                expected[origin, name, i] = record
    by_key, position = {}, {}
    for split, split_rows in loaded["splits"].items():
        for row in split_rows:
            doc = row["origin"], row["doc_id"]
            position[doc] = position.get(doc, -1) + 1
            by_key[(*doc, position[doc])] = (split, row)
    assert set(by_key) == set(expected)
    for key, record in expected.items():
        split, row = by_key[key]
        assert (row["paragraph"], row["sentence"], row["it"], row["en"], row["score"], row["it_raw"],
                row["en_raw"], row["parts"], row["degenerate"]) == (
            record.paragraph, record.sentence, record.source, record.target, record.score,
            record.source_raw, record.target_raw, record.parts, record.degenerate)
    # splits are disjoint by document, and the card's split sizes are what load_dataset found
    docs_of = {split: {r["doc_id"] for r in rs} for split, rs in loaded["splits"].items()}
    splits = list(docs_of)
    assert all(not (docs_of[a] & docs_of[b]) for a in splits for b in splits if a != b)
    assert {s.name: s.rows for s in report.splits} == {k: len(v) for k, v in loaded["splits"].items()}
    assert "'score': Value('float64')" in loaded["features"]["train"]
    assert len({r["id"] for r in got}) == len(got)


def test_cleaning_rules_from_cases_file():
    cleaner = Cleaner()
    for line in (DATA / "cleaning.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        it, en, expected = line.split("\t")
        assert (cleaner.check(it, en) or "keep") == expected, line
    assert Cleaner.off().check("", "") is None


def test_cleaning_counts_reach_the_card_and_switches_work(tmp_path):
    folder = write_folder(tmp_path / "t", sample_docs(4), model="tiny")
    full = build_corpus(folder, tmp_path / "a")
    # per doc: the 1:0 bead is empty, Roma/Roma identical, the law sentence a duplicate after doc 1
    assert full.dropped == {"empty": 4, "identical": 4, "duplicate": 3}
    assert full.kept == 4 * 5 - 11 and full.read == 20
    card = (tmp_path / "a" / "README.md").read_text(encoding="utf-8")
    assert "| duplicate | 3 |" in card and "| empty | 4 |" in card and "20 records read, 9 kept." in card
    no_dedup = build_corpus(folder, tmp_path / "b", dedup=False, identical_filter=False)
    assert no_dedup.dropped == {"empty": 4} and no_dedup.kept == 16
    assert "duplicate" not in (tmp_path / "b" / "README.md").read_text(encoding="utf-8")


def test_splits_are_by_document_seeded_and_reproducible():
    splits = parse_split("train=0.8,validation=0.1,test=0.1")
    docs = [f"doc{i}" for i in range(2000)]
    first = [assign_split(d, 0, splits) for d in docs]
    assert first == [assign_split(d, 0, splits) for d in docs]
    assert first != [assign_split(d, 1, splits) for d in docs]
    share = first.count("train") / len(docs)
    assert 0.77 < share < 0.83
    assert {assign_split(d, 5, parse_split("train=1")) for d in docs} == {"train"}
    for bad in ("train=0.9,test=0.2", "train", "train=x", "train=0.5,train=0.5", "tr ain=1"):
        with pytest.raises(UsageError):
            parse_split(bad)


def test_split_with_no_document_is_left_out_of_the_card(tmp_path, caplog):
    folder = write_folder(tmp_path / "t", {"only": sample_docs(1)["art00"]}, model=None)
    report = build_corpus(folder, tmp_path / "ds", split="train=0.5,validation=0.25,test=0.25")
    names = [s.name for s in report.splits]
    assert len(names) == 1
    assert "received no document" in caplog.text
    assert DatasetFolder(report.path).splits == names


def test_origin_comes_from_the_manifest_and_doc_ids_from_paths(tmp_path):
    docs = sample_docs(2)
    mt_dir = write_folder(tmp_path / "mt", docs, model="Helsinki-NLP/opus-mt-it-en")
    human_dir = write_folder(tmp_path / "human", docs, model=None)
    build_corpus([mt_dir, human_dir], tmp_path / "ds", dedup=False, split="train=1")
    got = [row for _, row in DatasetFolder(tmp_path / "ds").iter_rows()]
    assert {(r["origin"], r["doc_id"]) for r in got} == {
        (o, d) for o in ("mt", "human") for d in ("art00", "2024/art01")}


def test_folders_written_by_the_old_version_still_build(tmp_path):
    old = DATA / "old_folders"
    build_corpus([old / "translated", old / "aligned"], tmp_path / "ds", split="train=1", dedup=False)
    got = [row for _, row in DatasetFolder(tmp_path / "ds").iter_rows()]
    assert {(r["origin"], r["doc_id"]) for r in got} == {("mt", "news"), ("human", "news")}
    for origin, folder in (("mt", "translated"), ("human", "aligned")):
        records = list(read_records(old / folder / "news.aligned.jsonl"))
        assert [(r["it"], r["en"], r["score"]) for r in got if r["origin"] == origin] == [
            (x.source, x.target, x.score) for x in records]


def test_origin_is_the_one_the_manifest_states(tmp_path):
    folder = write_folder(tmp_path / "t", sample_docs(1), model=None)
    (folder / "manifest.json").write_text(
        ManifestData(kind="translate", origin="human", model="post-edited").to_json())
    build_corpus(folder, tmp_path / "ds", split="train=1")
    assert {row["origin"] for _, row in DatasetFolder(tmp_path / "ds").iter_rows()} == {"human"}


def test_hidden_record_files_are_skipped(tmp_path):
    folder = write_folder(tmp_path / "t", {"a": sample_docs(1)["art00"], ".draft": sample_docs(1)["art00"],
                                           ".old/b": sample_docs(1)["art00"]}, model="tiny")
    report = build_corpus(folder, tmp_path / "ds", split="train=1", dedup=False)
    assert report.sources[0].files == 1
    assert {row["doc_id"] for _, row in DatasetFolder(tmp_path / "ds").iter_rows()} == {"a"}


@pytest.mark.parametrize("content,expected", [
    ('{"paragraph": 0, "sentence": 0, "source": "a", "target": "b"}\n{"paragraph": 1,\n',
     "x.aligned.jsonl:2:"),
    ('{"paragraph": 0, "sentence": 0, "source": "a"}\n', "x.aligned.jsonl:1: record lacks field 'target'"),
    ('[1, 2]\n', "x.aligned.jsonl:1: not a JSON object"),
])
def test_bad_aligned_record_is_an_error_naming_file_and_line(tmp_path, capsys, content, expected):
    folder = write_folder(tmp_path / "t", {"good": sample_docs(1)["art00"]}, model=None)
    (folder / "x.aligned.jsonl").write_text(content)
    assert main(["corpus", "build", str(folder), "--to", str(tmp_path / "ds"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and expected in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t"]  # nothing half-written


def test_bad_inputs_and_targets(tmp_path):
    with pytest.raises(InputError, match="holds no .*aligned.jsonl"):
        build_corpus((tmp_path / "empty").mkdir() or tmp_path / "empty", tmp_path / "ds")
    folder = write_folder(tmp_path / "t", sample_docs(1), model=None)
    build_corpus(folder, tmp_path / "ds")
    with pytest.raises(UsageError, match="--force"):
        build_corpus(folder, tmp_path / "ds")
    build_corpus(folder, tmp_path / "ds", force=True, split="train=1")
    assert DatasetFolder(tmp_path / "ds").splits == ["train"]
    with pytest.raises(InputError, match="is in both"):
        build_corpus([folder, folder], tmp_path / "ds2")


def test_cli_build_prints_a_summary(tmp_path, capsys):
    folder = write_folder(tmp_path / "t", sample_docs(4), model="tiny")
    assert main(["corpus", "build", str(folder), "--to", str(tmp_path / "ds"), "--no-clean",
                 "--license", "cc-by-sa-4.0", "--split", "train=1"]) == 0
    assert "20 of 20 records (train 20)" in capsys.readouterr().out
    header = (tmp_path / "ds" / "README.md").read_text(encoding="utf-8")
    assert "license: cc-by-sa-4.0" in header and "None: all 20 records kept" in header


SEED = ROOT / "corpora" / "seed-aligned"


@pytest.mark.slow
@pytest.mark.skipif(not SEED.exists(), reason="corpora/seed-aligned not built yet")
def test_seed_corpus_loads_and_matches_a_fresh_rebuild(tmp_path):
    fresh = tmp_path / "seed-aligned"
    script = ROOT / "scripts" / "build_seed_corpus.py"
    done = subprocess.run([sys.executable, str(script), "--to", str(fresh)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    shipped, rebuilt = load_offline(SEED, fresh)
    assert shipped == rebuilt
    assert sum(len(rows) for rows in shipped["splits"].values()) > 0
    assert all(list(row) == COLUMN_NAMES for rows in shipped["splits"].values() for row in rows)


@pytest.mark.slow
def test_built_from_real_mt_translate_output(tmp_path, tiny_model):
    articles = tmp_path / "articles"
    (articles / "sport").mkdir(parents=True)
    (articles / "a.txt").write_text("Il governo ha approvato la legge. Il voto è stato rapido.\n\n"
                                    "La città aspetta il nuovo piano.\n", encoding="utf-8")
    (articles / "sport" / "b.it.txt").write_text("La squadra ha vinto la partita.\n", encoding="utf-8")
    (articles / "c.txt").write_text("Oggi piove a Milano. Domani sole.\n", encoding="utf-8")
    out = tmp_path / "translated"
    assert main(["translate", str(articles), "--out", str(out), "--model", str(tiny_model), "--quiet"]) == 0
    assert main(["corpus", "build", str(out), "--to", str(tmp_path / "ds"), "--no-clean", "--quiet"]) == 0
    [loaded] = load_offline(tmp_path / "ds")
    records = {file.relative_to(out).as_posix().removesuffix(".aligned.jsonl"):
               list(read_records(file))
               for file in sorted(out.rglob("*.aligned.jsonl"))}
    assert set(records) == {"a", "sport/b", "c"}
    got: dict[str, list] = {}
    for split, split_rows in loaded["splits"].items():
        for row in split_rows:
            assert row["origin"] == "mt"
            got.setdefault(row["doc_id"], []).append((split, row))
    assert set(got) == set(records)
    for doc, doc_rows in got.items():
        assert len({split for split, _ in doc_rows}) == 1  # a document never spans two splits
        assert [(r["paragraph"], r["sentence"], r["it"], r["en"], r["parts"], r["degenerate"])
                for _, r in doc_rows] == [(x.paragraph, x.sentence, x.source, x.target, x.parts,
                                           x.degenerate) for x in records[doc]]
