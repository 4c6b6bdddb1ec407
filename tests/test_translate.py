"""The Translator on the real tiny MarianMT model: order, cache, splitting, the repetition guard, errors."""

import os
import subprocess
import sys
import time

import pytest

from mt.errors import InputError, ModelLoadError, UsageError
from mt.translate import Translation, Translator
from mt.translate.cache import TranslationCache
from mt.translate.guard import Guard
from mt.translate.model import folder_digest, resolve_model
from mt.translate.split import split_long

SENTENCES = [
    "Il governo ha deciso di aumentare le tasse.",
    "Oggi piove a Roma.",
    "La Russia ha proposto un nuovo giro di colloqui diretti con l'Ucraina a Istanbul lunedì.",
    "Sì.",
    "Il presidente ha parlato ai giornalisti dopo la riunione del consiglio dei ministri.",
]


@pytest.fixture(scope="module")
def translator(tiny_model):
    return Translator(str(tiny_model), backend="transformers", max_new_tokens=16)


@pytest.mark.slow
def test_one_translation_per_input_in_input_order(translator):
    batched = translator.translate(SENTENCES)
    assert len(batched) == len(SENTENCES) and all(isinstance(t, Translation) for t in batched)
    assert all(t.text and t.parts == 1 and isinstance(t.score, float) for t in batched)
    assert len({t.text for t in batched}) > 1
    assert translator.translate(SENTENCES[::-1]) == batched[::-1]
    # one sentence per batch (still length-sorted): the same outputs, back in their input places
    translator.batch_tokens = 1
    try:
        single = translator.translate(SENTENCES)
    finally:
        translator.batch_tokens = None
    assert [t.text for t in single] == [t.text for t in batched]
    assert [t.score for t in single] == pytest.approx([t.score for t in batched], abs=1e-4)


def test_duplicates_and_blank_inputs(translator):
    a, b, blank = translator.translate([SENTENCES[1], SENTENCES[1], " "])
    assert a == b and blank == Translation("")


def test_settings_are_the_requested_values(tiny_model):
    t = Translator(str(tiny_model), beams=2, max_new_tokens=16, device="cpu", threads=1, batch_tokens=99)
    assert t.settings == {
        "model": folder_digest(tiny_model), "backend": "auto", "quantization": "auto", "beams": 2,
        "max_new_tokens": 16, "min_new_tokens": None, "max_input_tokens": None,
    }
    assert not t.loaded


def test_creating_a_translator_loads_nothing_heavy(tiny_model):
    code = (f"import sys; from mt.translate import Translator; t = Translator({str(tiny_model)!r}); "
            "t.settings; assert not {'torch', 'transformers'} & set(sys.modules), 'heavy import'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_cache_hits_cost_no_generation(tiny_model, tmp_path):
    cache = tmp_path / "cache.sqlite"
    first = Translator(str(tiny_model), max_new_tokens=16, cache=cache)
    out = first.translate(SENTENCES)
    assert first.generate_calls > 0
    assert len(TranslationCache(cache, first.settings)) == len(SENTENCES)
    again = Translator(str(tiny_model), max_new_tokens=16, cache=cache)
    assert again.translate(SENTENCES) == out
    assert again.generate_calls == 0 and not again.loaded
    other = Translator(str(tiny_model), max_new_tokens=8, cache=cache)
    other.translate(SENTENCES[:1])
    assert other.generate_calls > 0


def test_cache_entries_are_committed_only_when_translate_returns(tiny_model, tmp_path):
    cache = tmp_path / "cache.sqlite"

    class Interrupted(Translator):
        def _generate(self, backend, inputs, settings, *rest):
            if self.generate_calls:
                raise KeyboardInterrupt
            return super()._generate(backend, inputs, settings, *rest)

    t = Interrupted(str(tiny_model), max_new_tokens=16, cache=cache, batch_tokens=1)
    with pytest.raises(KeyboardInterrupt):
        t.translate(SENTENCES)
    assert len(TranslationCache(cache, t.settings)) == 0


def test_long_inputs_are_split_not_truncated(tiny_model):
    t = Translator(str(tiny_model), max_new_tokens=16, max_input_tokens=12)
    long = ("Il governo ha deciso di aumentare le tasse, la Camera ha votato contro; "
            "i sindacati hanno proclamato uno sciopero: le scuole resteranno chiuse lunedì.")
    short, split = t.translate(["Sì.", long])
    assert short.parts == 1 and split.parts > 1 and split.text
    parts = split_long(long, t._count, 12)
    assert len(parts) == split.parts and all(t._count(p) <= 12 for p in parts)
    assert t.settings["max_input_tokens"] == 12


def test_a_sentence_over_the_split_limit_is_refused_before_any_generation(tiny_model):
    t = Translator(str(tiny_model), max_new_tokens=16, max_input_tokens=4)
    with pytest.raises(InputError, match=r"longer than the 128 translated as one \(32 model inputs\)"):
        t.translate(["Sì.", "parola " * 200])
    assert t.generate_calls == 0


@pytest.mark.slow
def test_options_rebuild_an_identical_translator(tiny_model, tmp_path):
    t = Translator(str(tiny_model), backend="transformers", max_new_tokens=16, beams=2, batch_tokens=64,
                   max_input_tokens=12, cache=tmp_path / "c.sqlite")
    assert "cache" not in t.options
    again = Translator(**t.options)
    assert again.options == t.options and again.settings == t.settings
    assert again.translate(SENTENCES) == t.translate(SENTENCES)


def test_progress_counts_each_sentence_once_when_its_last_part_is_done(tiny_model):
    t = Translator(str(tiny_model), max_new_tokens=16, max_input_tokens=12, batch_tokens=24)
    long = ("Il governo ha deciso di aumentare le tasse, la Camera ha votato contro; "
            "i sindacati hanno proclamato uno sciopero: le scuole resteranno chiuse lunedì.")
    sentences = [*SENTENCES, long, SENTENCES[0], " "]
    reports: list[int] = []
    out = t.translate(sentences, progress=reports.append)
    unique = len(set(SENTENCES) | {long})
    # batches of a few parts each, retries included: still one count per distinct sentence
    assert len(reports) > 1 and sum(reports) == unique and all(n > 0 for n in reports)
    assert out[-3].parts > 1
    same = Translator(str(tiny_model), max_new_tokens=16, max_input_tokens=12, batch_tokens=24)
    assert out == same.translate(sentences)


def test_use_cache_false_neither_reads_nor_writes_the_cache(tiny_model, tmp_path):
    t = Translator(str(tiny_model), max_new_tokens=16, cache=tmp_path / "c.sqlite")
    first = t.translate(SENTENCES[:2], use_cache=False)
    assert len(t.cache) == 0 and t.generate_calls > 0
    t.translate(SENTENCES[:2])
    calls = t.generate_calls
    assert len(t.cache) == 2
    assert t.translate(SENTENCES[:2], use_cache=False) == first and t.generate_calls > calls
    t.close()


def test_repetition_guard_end_to_end(tiny_model):
    t = Translator(str(tiny_model), max_new_tokens=16, batch_tokens=100_000)
    out = t.translate(SENTENCES)
    # the tiny model loops ("Weeeee") on these, so the guard retried: more than the one first batch
    assert t.generate_calls > 1
    guard = Guard()
    for source, result in zip(SENTENCES, out):
        assert result.degenerate or not guard.looks_degenerate(result.text, source)
    strict = Translator(str(tiny_model), max_new_tokens=16)
    strict.guard = Guard(length_ratio=0, length_slack=0)  # every output now counts as runaway
    assert all(r.degenerate for r in strict.translate(SENTENCES[:2]))


def test_model_identity(tiny_model, tmp_path):
    assert resolve_model("Helsinki-NLP/opus-mt-it-en").identity == "Helsinki-NLP/opus-mt-it-en"
    copy = tmp_path / "m"
    copy.mkdir()
    for f in tiny_model.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    assert resolve_model(str(copy)).identity == folder_digest(tiny_model)
    (copy / "config.json").write_text((copy / "config.json").read_text() + " ")
    assert resolve_model(str(copy)).identity != folder_digest(tiny_model)


def test_default_model_from_env(monkeypatch):
    monkeypatch.setenv("MT_MODEL", "someone/opus-mt-xx-en")
    assert Translator().settings["model"] == "someone/opus-mt-xx-en"
    monkeypatch.delenv("MT_MODEL")
    assert Translator().model == "Helsinki-NLP/opus-mt-it-en"


def test_unloadable_models(tmp_path):
    with pytest.raises(ModelLoadError, match=r"model \./no/such/model: no such folder .*build_tiny"):
        Translator("./no/such/model")
    empty = tmp_path / "empty-model"
    empty.mkdir()
    with pytest.raises(ModelLoadError, match="empty-model: it has no config.json.*local model folder"):
        Translator(str(empty)).translate(["Ciao."])


def test_bad_options():
    with pytest.raises(UsageError, match="unknown backend"):
        Translator("x/y", backend="onnx")
    with pytest.raises(UsageError, match="beams must be at least 1"):
        Translator("x/y", beams=0)


def _run_python(code: str, tmp_path, **env) -> tuple[subprocess.CompletedProcess, float]:
    """`code` in a fresh interpreter (huggingface_hub reads its variables at import), timed."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=tmp_path, env={**os.environ, "HF_HUB_CACHE": str(tmp_path / "hf"), **env})
    return done, time.perf_counter() - start


LOAD = """
from mt.translate import Translator
try:
    print(Translator({model!r}, max_new_tokens=4).translate(["Ciao."])[0].text)
except Exception as e:
    print(type(e).__name__, e)
"""


@pytest.mark.parametrize("env", [{"HF_HUB_OFFLINE": "1"}, {"HF_ENDPOINT": "http://127.0.0.1:9"}],
                         ids=["offline", "unreachable"])
def test_a_model_neither_here_nor_reachable_fails_at_once_saying_where_it_looked(tmp_path, env):
    done, seconds = _run_python(LOAD.format(model="models/nope-missing"), tmp_path, **env)
    out = done.stdout.strip()
    assert seconds < 10 and "Retrying" not in done.stderr, done.stderr
    assert out.startswith("ModelLoadError cannot load model models/nope-missing: there is no folder "
                          "models/nope-missing in ") and "\n" not in out
    assert "no copy in the Hugging Face cache" in out and "build_tiny_model.py models/tiny-it-en" in out
    assert ("HF_HUB_OFFLINE is set" in out) == ("HF_HUB_OFFLINE" in env)
    assert "set HF_HUB_OFFLINE" not in out
    assert "Connection refused" in out or "HF_HUB_OFFLINE" in env


@pytest.mark.parametrize("env", [{"HF_HUB_OFFLINE": "1"}, {"HF_ENDPOINT": "http://127.0.0.1:9"}],
                         ids=["offline", "unreachable"])
def test_a_hub_model_in_the_cache_loads_without_the_hub(tiny_model, tmp_path, env):
    snapshot = tmp_path / "hf" / "models--someone--tiny-it-en" / "snapshots" / ("0" * 40)
    snapshot.mkdir(parents=True)
    for f in tiny_model.iterdir():
        (snapshot / f.name).write_bytes(f.read_bytes())
    (snapshot.parent.parent / "refs").mkdir()
    (snapshot.parent.parent / "refs" / "main").write_text("0" * 40)
    done, seconds = _run_python(LOAD.format(model="someone/tiny-it-en"), tmp_path,
                                MT_CACHE_DIR=str(tmp_path / "mt"), **env)
    assert done.returncode == 0 and done.stdout.strip(), done.stderr
    assert "Error" not in done.stdout and "Retrying" not in done.stderr and seconds < 30


def test_the_cli_names_the_model_flag(tmp_path):
    (tmp_path / "a.txt").write_text("Il governo ha deciso.\n", encoding="utf-8")
    code = "import sys; from mt.cli import main; sys.exit(main(sys.argv[1:]))"
    done = subprocess.run([sys.executable, "-c", code, "translate", "a.txt", "--out", "out", "--quiet",
                           "--model", "models/nope-missing"], capture_output=True, text=True, timeout=60,
                          cwd=tmp_path, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 2
    assert done.stderr.strip().startswith("error: cannot load model models/nope-missing: ")
    assert done.stderr.strip().endswith("(see --model)") and done.stderr.count("\n") == 1


def _foreign_cache(path, rows_sql: list[str]):
    import sqlite3

    with sqlite3.connect(path) as db:
        for sql in rows_sql:
            db.execute(sql)
    return path.read_bytes()


def test_a_cache_file_that_is_not_ours_is_named_and_kept(tiny_model, tmp_path):
    other = tmp_path / "notes.sqlite"
    before = _foreign_cache(other, ["CREATE TABLE translations (id INTEGER, text TEXT)",
                                    "INSERT INTO translations VALUES (1, 'mine')"])
    t = Translator(str(tiny_model), max_new_tokens=16, cache=other)
    with pytest.raises(UsageError, match=rf"{other} is not an mt translation cache \(its translations table "
                                         rf"has the columns id, text\); use another cache file, or none"):
        t.translate(["Sì."])
    assert other.read_bytes() == before
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"not a database at all" * 100)
    with pytest.raises(UsageError, match=rf"{garbage} is not an mt translation cache \(SQLite says"):
        Translator(str(tiny_model), max_new_tokens=16, cache=garbage).translate(["Sì."])
    assert garbage.read_bytes() == b"not a database at all" * 100


@pytest.mark.parametrize(("column", "value"), [("target", "x'00'"), ("parts", "'two'"), ("parts", "0"),
                                               ("degenerate", "7"), ("score", "'high'"), ("score", "9e999")])
def test_poisoned_cache_entries_are_refused_not_copied(tiny_model, tmp_path, column, value):
    cache = tmp_path / "cache.sqlite"
    t = Translator(str(tiny_model), max_new_tokens=16, cache=cache)
    t.translate(["Sì."])
    t.close()
    _foreign_cache(cache, [f"UPDATE translations SET {column} = {value}"])
    t = Translator(str(tiny_model), max_new_tokens=16, cache=cache)
    with pytest.raises(UsageError, match=rf"{cache} is not an mt translation cache \(the entry for 'Sì.' "):
        t.translate(["Sì."])
    assert cache.exists()
