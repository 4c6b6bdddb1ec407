"""mt.corpus.align, mt.corpus.align_folders, `mt corpus align`, and the bead scorer scripts/align_score.py."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from align_score import BeadScore, read_align_set, score_document

from mt.cli import main
from mt.corpus.align import align
from mt.document import read_article
from mt.output_folder import locked, read_manifest
from mt.records import read_records

CASES = Path(__file__).parent / "data" / "align"
ALIGN_DEV = Path(__file__).parent / "data" / "public" / "align-dev"
CASE_NAMES = sorted(p.name[: -len(".expected.tsv")] for p in CASES.glob("*.expected.tsv"))


def _expected(name: str) -> list[tuple[str, str]]:
    lines = (CASES / f"{name}.expected.tsv").read_text(encoding="utf-8").splitlines()
    return [tuple(line.split("\t")) for line in lines]


def _case(name: str):
    return read_article(CASES / f"{name}.it.txt"), read_article(CASES / f"{name}.en.txt")


@pytest.mark.parametrize("name", CASE_NAMES)
def test_hand_made_cases(name):
    beads = align(*_case(name))
    assert [(b.source, b.target) for b in beads] == _expected(name)


def test_cases_cover_every_bead_shape():
    shapes = {b.shape for name in CASE_NAMES for b in align(*_case(name))}
    assert {"1:1", "1:0", "0:1", "2:1", "1:2"} <= shapes


def test_bead_scores_and_positions():
    beads = align(*_case("missing_paragraph"))
    for b in beads:
        assert 0.0 <= b.score <= 1.0
        if not b.italian or not b.english:
            assert b.score == 0.0
    assert beads[0].score > 0.5
    dropped = [b for b in beads if b.shape == "0:1"]
    # a 0:1 bead is placed at its English sentence: line 2 of the English file
    assert [(b.first.paragraph, b.first.sentence) for b in dropped] == [(2, 0), (2, 1)]


def test_text_input_and_empty_sides():
    beads = align("Buongiorno a tutti.\n", "Good morning, everyone.\n")
    assert [(b.source, b.target, b.shape) for b in beads] == [
        ("Buongiorno a tutti.", "Good morning, everyone.", "1:1")]
    assert [b.shape for b in align("Una frase. Altra frase.\n", "")] == ["1:0", "1:0"]
    assert align("", "") == []


def test_score_document_counts_each_gold_bead_once():
    gold = [("a b", "x"), ("c", ""), ("a b", "x")]
    assert score_document([("ab", "x"), ("a b", " x"), ("a b", "x"), ("", "")], gold) == BeadScore(2, 3, 3)
    assert score_document([], gold).f1 == 0.0


def test_align_dev_bead_f1_without_mt():
    cases = read_align_set(ALIGN_DEV)
    halves = [BeadScore(0, 0, 0), BeadScore(0, 0, 0)]
    for k, case in enumerate(cases):
        beads = align(read_article(case.it_path), read_article(case.en_path))
        halves[k % 2] += score_document([(b.source, b.target) for b in beads], case.beads)
    total = halves[0] + halves[1]
    assert len(cases) == 62 and total.gold == 956
    assert total.f1 >= 0.95, total
    # no half of the set carries the other: the same settings hold on both
    assert min(h.f1 for h in halves) >= 0.94, halves


def _run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_jsonl_records(capsys):
    code, out, _ = _run(["corpus", "align", "--no-mt", "--jsonl", str(CASES / "deleted_english.it.txt"),
                         str(CASES / "deleted_english.en.txt")], capsys)
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert all(set(r) == {"source", "target", "score"} for r in records)
    assert [(r["source"], r["target"]) for r in records] == _expected("deleted_english")
    assert records[2]["target"] == "" and records[2]["score"] == 0.0


def test_cli_tab_output(capsys):
    code, out, _ = _run(["corpus", "align", "--no-mt", str(CASES / "merged_english.it.txt"),
                         str(CASES / "merged_english.en.txt")], capsys)
    assert code == 0
    rows = [line.split("\t") for line in out.splitlines()]
    assert [r[0] for r in rows] == ["2:1", "1:1"]
    assert [(r[2], r[3]) for r in rows] == _expected("merged_english")


def test_cli_folders(tmp_path, capsys, caplog):
    it_dir, en_dir, out = tmp_path / "it", tmp_path / "en", tmp_path / "out"
    (it_dir / "sub").mkdir(parents=True)
    en_dir.mkdir()
    for name, it_name, en_name in [("one_to_one", "a.it.txt", "a.en.txt"),
                                   ("extra_english", "sub/b.txt", "b.en.txt"),
                                   ("split_english", "c.txt", "c.txt")]:
        (it_dir / it_name).write_bytes((CASES / f"{name}.it.txt").read_bytes())
        (en_dir / en_name).write_bytes((CASES / f"{name}.en.txt").read_bytes())
    (en_dir / "sub").mkdir()
    (en_dir / "sub" / "b.en.txt").write_bytes((CASES / "extra_english.en.txt").read_bytes())
    (it_dir / "lonely.it.txt").write_text("Solo in italiano.\n", encoding="utf-8")
    code, _, err = _run(["corpus", "align", "--no-mt", str(it_dir), str(en_dir), "--out", str(out)], capsys)
    assert code == 1  # the unmatched files fail, the pairs are done
    assert "3 pair(s)" in err and "2 failed" in err
    assert "lonely.it.txt has no English partner" in caplog.text
    manifest = read_manifest(out)
    assert (manifest.kind, manifest.origin, manifest.model) == ("align", "human", None)
    assert manifest.settings == {"method": "no-mt"}
    files = manifest.files
    assert files["a"] == {"status": "done", "beads": 4, "it": "a.it.txt", "en": "a.en.txt"}
    assert files["sub/b"]["status"] == "done" and files["sub/b"]["en"] == "sub/b.en.txt"
    assert files["c"]["status"] == "done" and files["c"]["beads"] == 2
    assert files["lonely"]["status"] == "failed" and "English" in files["lonely"]["error"]
    # en/b.en.txt has no Italian partner at the top level (the Italian b is in sub/)
    assert files["b"] == {"status": "failed", "en": "b.en.txt", "error": "no Italian file named b"}
    records = list(read_records(out / "sub" / "b.aligned.jsonl"))
    assert [(r.source, r.target) for r in records] == _expected("extra_english")
    assert [(r.paragraph, r.sentence) for r in records] == [(0, 0), (0, 1), (0, 2), (0, 2)]
    assert records[0].score > 0.5 and records[2].score == 0.0
    assert not list(out.rglob("*.tmp"))


def _pair_folders(root: Path) -> tuple[Path, Path]:
    it_dir, en_dir = root / "it", root / "en"
    it_dir.mkdir()
    en_dir.mkdir()
    (it_dir / "a.it.txt").write_bytes((CASES / "one_to_one.it.txt").read_bytes())
    (en_dir / "a.en.txt").write_bytes((CASES / "one_to_one.en.txt").read_bytes())
    return it_dir, en_dir


def test_second_run_on_the_same_out_is_refused_or_waits(tmp_path, capsys):
    it_dir, en_dir = _pair_folders(tmp_path)
    out = tmp_path / "out"
    args = ["corpus", "align", "--no-mt", str(it_dir), str(en_dir), "--out", str(out)]
    with locked(out):
        code, _, err = _run(args, capsys)
        assert code == 2
        assert err == f"error: {out} is in use by another mt run (pid {os.getpid()} on " \
                      f"{socket.gethostname()}); wait for it to finish, or choose another output folder\n"
        started = time.monotonic()
        assert _run([*args, "--wait", "0.5"], capsys)[0] == 2
        assert time.monotonic() - started >= 0.5
    assert not (out / "a.aligned.jsonl").exists()
    assert _run([*args, "--wait", "5"], capsys)[0] == 0  # free again: the waiting run goes ahead
    assert read_manifest(out).files["a"]["status"] == "done"


def test_hidden_files_are_skipped_and_old_entries_kept(tmp_path, capsys):
    it_dir, en_dir = _pair_folders(tmp_path)
    (it_dir / ".draft.it.txt").write_text("Bozza.\n", encoding="utf-8")
    (it_dir / ".git").mkdir()
    (it_dir / ".git" / "x.it.txt").write_text("Nascosto.\n", encoding="utf-8")
    out = tmp_path / "out"
    assert _run(["corpus", "align", "--no-mt", str(it_dir), str(en_dir), "--out", str(out)], capsys)[0] == 0
    assert set(read_manifest(out).files) == {"a"}
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "a.aligned.jsonl", "manifest.json"]


def test_a_file_that_cannot_be_read_is_recorded_and_the_rest_aligned(tmp_path, capsys):
    it_dir, en_dir = _pair_folders(tmp_path)
    (it_dir / "loop.it.txt").symlink_to("loop.it.txt")
    out = tmp_path / "out"
    code, _, err = _run(["corpus", "align", "--no-mt", str(it_dir), str(en_dir), "--out", str(out)], capsys)
    assert code == 1 and "aligned 1 pair(s)" in err and "1 failed" in err
    files = read_manifest(out).files
    assert files["a"]["status"] == "done"
    loop = it_dir / "loop.it.txt"
    assert files["loop.it.txt"] == {"status": "failed", "error": f"{loop} is a symlink loop"}


def test_missing_input_is_named_at_once(tmp_path, capsys):
    started = time.monotonic()
    code, _, err = _run(["corpus", "align", str(tmp_path / "nope"), str(CASES)], capsys)
    assert (code, err) == (2, f"error: {tmp_path / 'nope'} does not exist\n")
    assert time.monotonic() - started < 2  # no model is loaded first


def test_cli_usage_errors(tmp_path, capsys):
    f = str(CASES / "one_to_one.it.txt")
    assert _run(["corpus", "align", "--no-mt", f, str(tmp_path)], capsys)[0] == 2
    assert _run(["corpus", "align", "--no-mt", str(tmp_path), str(tmp_path)], capsys)[2].startswith(
        "error: aligning folders needs --out")
    code, _, err = _run(["corpus", "align", "--no-mt", f, str(tmp_path / "missing.txt")], capsys)
    assert code == 2 and err.startswith("error:") and "does not exist" in err


def test_bad_model_is_one_error_line_pointing_to_no_mt(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "mt", "corpus", "align", "--model", str(tmp_path / "no-such-model"),
         str(CASES / "one_to_one.it.txt"), str(CASES / "one_to_one.en.txt")],
        capture_output=True, text=True, env={"HF_HUB_OFFLINE": "1", "PATH": ""}, timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot load model")
    assert "--no-mt" in lines[0]


def test_no_mt_imports_no_torch():
    code = (
        "import sys\n"
        "from mt.cli import main\n"
        f"rc = main(['corpus', 'align', '--no-mt', {str(CASES / 'one_to_one.it.txt')!r}, "
        f"{str(CASES / 'one_to_one.en.txt')!r}])\n"
        "heavy = [m for m in ('torch', 'transformers', 'ctranslate2', 'datasets') if m in sys.modules]\n"
        "sys.stderr.write(f'{rc} {heavy}')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stderr.strip().endswith("0 []"), proc.stderr


@pytest.mark.slow
def test_mt_path_with_tiny_model_does_not_hurt(tiny_model, tmp_path):
    from mt.corpus.align_folders import align_folders
    from mt.translate import Translator

    translator = Translator(model=str(tiny_model), max_new_tokens=48)
    for name in ("missing_paragraph", "merged_english"):
        beads = align(*_case(name), translator=translator)
        assert [(b.source, b.target) for b in beads] == _expected(name)
    assert translator.loaded
    it_dir, en_dir = tmp_path / "it", tmp_path / "en"
    it_dir.mkdir()
    en_dir.mkdir()
    (it_dir / "x.it.txt").write_bytes((CASES / "split_english.it.txt").read_bytes())
    (en_dir / "x.en.txt").write_bytes((CASES / "split_english.en.txt").read_bytes())
    report = align_folders(it_dir, en_dir, tmp_path / "out", translator=translator)
    assert (report.done, report.failed, report.beads) == (1, 0, 2)
    manifest = read_manifest(tmp_path / "out")
    assert manifest.model == translator.model
    assert manifest.settings == {"method": "mt", "model": translator.model}
