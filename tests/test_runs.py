"""Folder runs (`mt.runs.translate_path`): layout, manifest, resume, skips, bad inputs, fixes."""

import json
import os
from pathlib import Path

import pytest

from mt.document import article_name
from mt.engines import Engine, FileResult, register_engine
from mt.errors import InputError, UsageError
from mt.fixes import load_rules
from mt.records import read_records
from mt.runs import CACHE_NAME, find_inputs, translate_path
from mt.segment import segment
from mt.translate import Translator

DATA = Path(__file__).parent / "data" / "translate"
ARTICLES = {
    "politica/2024/governo.it.txt": "Il governo cade\n\nIl governo ha deciso di aumentare le tasse. "
                                    "La Camera ha votato contro.\n\n\nOggi piove a Roma.\n",
    "politica/camera.txt": "La Camera ha votato.\nIl presidente ha parlato ai giornalisti.\n",
    "sport.txt": "\ufeffLa Roma ha vinto la partita.\r\n\r\nI tifosi hanno festeggiato a Roma.\r\n",
}


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8", newline="")
    return root


def outputs(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.name.endswith((".en.txt", ".aligned.jsonl"))}


def manifest(out: Path, timing: bool = False) -> dict:
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    if not timing:
        for entry in data["files"].values():
            entry.pop("seconds", None)
    return data


@pytest.fixture
def articles(tmp_path) -> Path:
    return write_tree(tmp_path / "in", ARTICLES)


@pytest.fixture(params=["transformers", "ctranslate2"])
def options(request, tiny_model) -> dict:
    """Every folder-run check holds on both backends."""
    return {"model": str(tiny_model), "backend": request.param, "max_new_tokens": 16}


def test_output_names():
    assert article_name("a/b/NAME.txt") == "a/b/NAME"
    assert article_name("NAME.it.txt") == "NAME"
    assert article_name("it.txt") == "it"


@pytest.mark.slow
def test_layout_records_and_manifest(articles, tmp_path, options):
    out = tmp_path / "out"
    report = translate_path(articles, out, **options)
    assert report.exit_code == 0 and report.count("done") == 3
    assert sorted(outputs(out)) == [
        "politica/2024/governo.aligned.jsonl", "politica/2024/governo.en.txt",
        "politica/camera.aligned.jsonl", "politica/camera.en.txt",
        "sport.aligned.jsonl", "sport.en.txt",
    ]
    for rel, text in ARTICLES.items():
        base = out / article_name(rel)
        source_lines = text.lstrip("\ufeff").replace("\r\n", "\n").splitlines()
        english = (base.parent / (base.name + ".en.txt")).read_text(encoding="utf-8").split("\n")
        assert english[-1] == "" and len(english) - 1 == len(source_lines)
        assert [bool(e) for e in english[:-1]] == [bool(s) for s in source_lines]  # blank lines kept
        records = list(read_records(base.parent / (base.name + ".aligned.jsonl")))
        expected = [(i, k, s.text) for i, line in enumerate(source_lines) if line
                    for k, s in enumerate(segment(line, "it"))]
        assert [(r.paragraph, r.sentence, r.source) for r in records] == expected
        for i, line in enumerate(english[:-1]):
            assert line == " ".join(r.target for r in records if r.paragraph == i and r.target)
    m = manifest(out)
    assert m["model"] == options["model"]
    assert m["settings"] == {**Translator(**options).settings, "fixes": None}
    assert set(m["files"]) == set(ARTICLES)
    governo = m["files"]["politica/2024/governo.it.txt"]
    assert governo["status"] == "done" and governo["sentences"] == 4 and len(governo["sha256"]) == 64
    assert (out / CACHE_NAME).exists()


@pytest.mark.slow
def test_interrupted_runs_resume_to_the_same_bytes(articles, tmp_path, options):
    clean = tmp_path / "clean"
    translate_path(articles, clean, **options)

    def stop_after_first(rel):
        raise KeyboardInterrupt

    resumed = tmp_path / "resumed"
    with pytest.raises(KeyboardInterrupt):
        translate_path(articles, resumed, on_file_done=stop_after_first, **options)
    assert list(manifest(resumed)["files"]) == ["politica/2024/governo.it.txt"]

    class DiesInSecondFile(Translator):
        calls = 0

        def translate(self, sentences, **options):
            DiesInSecondFile.calls += 1
            if DiesInSecondFile.calls == 2:
                raise KeyboardInterrupt
            return super().translate(sentences, **options)

    dying = DiesInSecondFile(cache=resumed / CACHE_NAME, **options)
    with pytest.raises(KeyboardInterrupt):  # file 1 skipped, file 2 interrupted mid-translation
        translate_path(articles, resumed, dying, **options)
    assert len(manifest(resumed)["files"]) == 2
    assert not [p for p in resumed.rglob("*.tmp")]

    report = translate_path(articles, resumed, **options)
    assert (report.count("skipped"), report.count("done")) == (2, 1)
    assert outputs(resumed) == outputs(clean)
    assert manifest(resumed) == manifest(clean)


@pytest.mark.slow
def test_finished_folder_is_skipped_without_loading_the_model(articles, tmp_path, options):
    out = tmp_path / "out"
    translate_path(articles, out, **options)
    before = outputs(out)
    translator = Translator(cache=out / CACHE_NAME, **options)
    report = translate_path(articles, out, translator)
    assert report.count("skipped") == 3 and not translator.loaded
    # a changed file is redone, the others stay skipped
    (articles / "sport.txt").write_text("Piove.\n", encoding="utf-8")
    report = translate_path(articles, out, **options)
    assert report.statuses == {"politica/2024/governo.it.txt": "skipped", "politica/camera.txt": "skipped",
                               "sport.txt": "done"}
    assert outputs(out)["politica/camera.en.txt"] == before["politica/camera.en.txt"]
    assert outputs(out)["sport.en.txt"] != before["sport.en.txt"]
    # other settings redo everything; --force too
    assert translate_path(articles, out, **{**options, "max_new_tokens": 8}).count("done") == 3
    assert translate_path(articles, out, force=True, **options).count("done") == 3


@pytest.mark.slow
def test_bad_inputs_are_recorded_and_the_rest_translated(tmp_path, options):
    src = write_tree(tmp_path / "in", {"ok.txt": "Oggi piove a Roma.\n", "a/same.txt": "Sì.\n",
                                       "a/same.it.txt": "No.\n", "empty.txt": ""})
    (src / "latin1.txt").write_bytes("Città\n".encode("latin-1"))
    (src / "folder.txt").mkdir()
    outside = tmp_path / "secret.txt"
    outside.write_text("Segreto.\n", encoding="utf-8")
    (src / "outside.txt").symlink_to(outside)
    (src / "dangling.txt").symlink_to(src / "gone.txt")
    (src / "inside.txt").symlink_to(src / "ok.txt")
    before = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    out = tmp_path / "out"
    report = translate_path(src, out, **options)
    assert report.exit_code == 1
    files = manifest(out)["files"]
    assert {rel: e["status"] for rel, e in files.items()} == {
        "a/same.it.txt": "done", "a/same.txt": "failed", "dangling.txt": "failed", "empty.txt": "done",
        "folder.txt": "failed", "inside.txt": "done", "latin1.txt": "failed", "ok.txt": "done",
        "outside.txt": "failed",
    }
    assert "not UTF-8" in files["latin1.txt"]["error"]
    assert "is a folder" in files["folder.txt"]["error"]
    assert "outside the input folder" in files["outside.txt"]["error"]
    assert "does not exist" in files["dangling.txt"]["error"]
    assert "same outputs" in files["a/same.txt"]["error"]
    assert (out / "empty.en.txt").read_bytes() == b"" and files["empty.txt"]["sentences"] == 0
    after = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")
                   if not p.is_relative_to(out))
    assert after == before  # nothing written outside OUTDIR
    assert not (out / "secret.en.txt").exists() and not (out / "outside.en.txt").exists()

    # default re-run retries failed files; --retry-failed touches only them
    (src / "latin1.txt").write_text("Città.\n", encoding="utf-8")
    report = translate_path(src, out, retry_failed=True, **options)
    assert report.statuses["latin1.txt"] == "done" and report.statuses["ok.txt"] == "skipped"
    assert report.count("failed") == 4 and report.exit_code == 1


@pytest.mark.slow
def test_outdir_inside_input_is_never_read_back(articles, options):
    out = articles / "translations"
    translate_path(articles, out, **options)
    report = translate_path(articles, out, **options)
    assert sorted(report.statuses) == sorted(ARTICLES) and report.count("skipped") == 3
    with pytest.raises(UsageError, match="is the input folder"):
        find_inputs(articles, articles)


def test_en_txt_files_are_not_inputs(tmp_path):
    src = write_tree(tmp_path / "in", {"a.txt": "Sì.\n", "a.en.txt": "Yes.\n", "notes.md": "x\n"})
    assert [f.rel for f in find_inputs(src, tmp_path / "out")] == ["a.txt"]
    (tmp_path / "notes").mkdir()
    with pytest.raises(InputError, match="no .txt files"):
        translate_path(tmp_path / "notes", tmp_path / "out")
    with pytest.raises(InputError, match="does not exist"):
        translate_path(tmp_path / "nothing", tmp_path / "out")


def test_single_file_input(articles, tmp_path, options):
    out = tmp_path / "out"
    translate_path(articles / "politica" / "2024" / "governo.it.txt", out, **options)
    assert sorted(outputs(out)) == ["governo.aligned.jsonl", "governo.en.txt"]
    assert list(manifest(out)["files"]) == ["governo.it.txt"]


def test_fixes_pre_and_post_edit(articles, tmp_path, options):
    out = tmp_path / "out"
    translate_path(articles / "sport.txt", out, fixes=load_rules(DATA / "fixes.yaml"), **options)
    records = list(read_records(out / "sport.aligned.jsonl"))
    first = records[0]
    assert first.source_raw == "La Roma ha vinto la partita." and "Roma Capitale" in first.source
    assert all(r.target_raw is not None for r in records)
    assert all(r.target == r.target_raw + " [fixed]" for r in records)
    digest = manifest(out)["settings"]["fixes"]
    assert len(digest) == 64
    assert os.path.exists(out / "sport.en.txt")


class CollectingEngine(Engine):
    """Takes every job before translating any (as a cluster does), then answers them last file first;
    `fail` names files whose translation fails in the "worker"."""

    fail: set = set()
    sent: list = []

    def run(self, jobs, progress):
        taken = list(jobs)
        CollectingEngine.sent = [s for job in taken for s in job.sentences]
        for job in reversed(taken):
            if job.rel in self.fail:
                yield FileResult(job.rel, None, "worker died")
                continue
            yield FileResult(job.rel, self.translator.translate(job.sentences, progress=progress,
                                                                use_cache=False))


register_engine("collecting")(CollectingEngine)

SHARED = {  # the same sentences in several files: later files wait for the earlier file translating them
    "a.txt": "Oggi piove a Roma.\nIl governo ha deciso.\n",
    "b.txt": "Il governo ha deciso.\nLa Camera ha votato.\n",
    "c.txt": "Oggi piove a Roma.\nLa Camera ha votato.\nI tifosi hanno festeggiato.\n",
}


@pytest.mark.slow
def test_engines_answering_out_of_order_give_the_same_outputs(tmp_path, tiny_model):
    options = {"model": str(tiny_model), "backend": "ctranslate2", "max_new_tokens": 16}
    src = write_tree(tmp_path / "in", SHARED)
    translate_path(src, tmp_path / "local", **options)
    CollectingEngine.fail = set()
    report = translate_path(src, tmp_path / "collected", engine="collecting", **options)
    assert report.count("done") == 3
    assert outputs(tmp_path / "collected") == outputs(tmp_path / "local")
    assert manifest(tmp_path / "collected") == manifest(tmp_path / "local")
    # each sentence went to the model once, although all jobs were planned before any result came back
    unique = {line for text in SHARED.values() for line in text.split("\n") if line}
    assert sorted(CollectingEngine.sent) == sorted(unique)


def test_a_file_failing_in_a_worker_is_recorded_and_its_waiters_still_finish(tmp_path, tiny_model):
    options = {"model": str(tiny_model), "backend": "ctranslate2", "max_new_tokens": 16}
    src = write_tree(tmp_path / "in", SHARED)
    translate_path(src, tmp_path / "local", **options)
    CollectingEngine.fail = {"a.txt"}
    report = translate_path(src, tmp_path / "collected", engine="collecting", **options)
    assert report.statuses == {"a.txt": "failed", "b.txt": "done", "c.txt": "done"}
    assert report.errors == {"a.txt": "worker died"} and report.exit_code == 1
    CollectingEngine.fail = set()
    assert translate_path(src, tmp_path / "collected", **options).statuses["a.txt"] == "done"
    assert outputs(tmp_path / "collected") == outputs(tmp_path / "local")
