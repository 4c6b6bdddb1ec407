"""`mt translate` from the outside: exit codes, one-line errors, stdin/stdout, and a no-torch re-run."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mt.cli import main

ROOT = Path(__file__).resolve().parent.parent
FAST = ["--backend", "transformers", "--max-new-tokens", "16"]


def mt(args: list[str], stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mt", *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **(env or {})}, timeout=300)


@pytest.mark.slow
def test_folder_run_then_rerun_without_torch(tiny_model, tmp_path):
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    (src / "sub" / "a.it.txt").write_text("Oggi piove a Roma.\n\nIl governo ha deciso.\n", encoding="utf-8")
    (src / "b.txt").write_bytes(b"caff\xe8\n")
    out = tmp_path / "out"
    args = ["translate", str(src), "--out", str(out), "--model", str(tiny_model), *FAST]
    assert main([*args, "--quiet"]) == 1  # b.txt is not UTF-8: recorded as failed, the rest done
    files = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert files["sub/a.it.txt"]["status"] == "done" and files["b.txt"]["status"] == "failed"
    assert (out / "sub" / "a.en.txt").read_text(encoding="utf-8").split("\n")[1] == ""
    (src / "b.txt").write_text("Sì.\n", encoding="utf-8")
    assert main([*args, "--quiet"]) == 0
    code = ("import sys; from mt.cli import main; rc = main(sys.argv[1:]); "
            "heavy = {'torch', 'transformers'} & set(sys.modules); "
            "print(rc, sorted(heavy)); sys.exit(rc)")
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "0 []", done.stderr
    assert "0 translated, 2 skipped, 0 failed" in done.stderr


def test_stdin_to_stdout(tiny_model):
    run = mt(["translate", "-", "--out", "-", "--model", str(tiny_model), *FAST],
             stdin="\ufeffOggi piove a Roma.\r\n\r\nIl governo ha deciso.\r\n")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.split("\n")
    assert len(lines) == 4 and lines[0] and lines[1] == "" and lines[2] and lines[3] == ""


def test_unloadable_model_exits_2_with_one_line(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("Oggi piove.\n", encoding="utf-8")
    offline = {"HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf"), "MT_MODEL": ""}
    run = mt(["translate", str(src), "--out", str(tmp_path / "out"), "--quiet"], env=offline)
    assert run.returncode == 2
    assert run.stderr.startswith("error: cannot load model Helsinki-NLP/opus-mt-it-en: ")
    assert run.stderr.count("\n") == 1 and "--model" in run.stderr and "network" in run.stderr
    run = mt(["translate", str(src), "--out", str(tmp_path / "out"), "--model", "./models/missing"])
    assert run.returncode == 2
    assert run.stderr.startswith("error: cannot load model ./models/missing: no such folder (looked in ")
    assert run.stderr.endswith("; download it where there is network (the Hugging Face cache then keeps it), "
                               "pass a local model folder, or build the small test model: "
                               "python scripts/build_tiny_model.py models/tiny-it-en (see --model)\n")


def test_usage_errors(tmp_path, capsys):
    assert main(["translate", "-", "--out", str(tmp_path / "out")]) == 2
    assert "use --out -" in capsys.readouterr().err
    assert main(["translate", str(tmp_path / "missing"), "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.startswith("error: ")
    assert main(["translate", str(tmp_path), "--out", "-"]) == 2
    assert "--out - takes a single file" in capsys.readouterr().err


def test_help_documents_offline_use_and_version():
    run = mt(["translate", "--help"])
    assert run.returncode == 0 and "HF_HUB_OFFLINE" in run.stdout and "--retry-failed" in run.stdout
    version = mt(["--version"])
    assert version.returncode == 0 and version.stdout.startswith("mt ")


# ---------------------------------------------------------------------------------- hostile folders and OUT


def article(n: int) -> str:
    return "".join(f"Il governo ha deciso di aumentare le tasse numero {n}. La Camera ha votato {k}.\n"
                   for k in range(3))


def test_a_second_run_on_the_same_out_is_refused_or_waits(tiny_model, tmp_path, capsys):
    from mt.output_folder import locked

    src = tmp_path / "a.txt"
    src.write_text(article(1), encoding="utf-8")
    out = tmp_path / "out"
    args = ["translate", str(src), "--out", str(out), "--model", str(tiny_model), *FAST, "--quiet"]
    with locked(out):
        assert main(args) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: {out} is in use by another mt run (pid {os.getpid()} on ")
        assert err.count("\n") == 1
        assert main([*args, "--wait", "0.3"]) == 2
    assert not (out / "a.en.txt").exists()
    assert main([*args, "--wait", "5"]) == 0 and (out / "a.en.txt").exists()


@pytest.mark.slow
def test_two_runs_at_once_never_lose_manifest_entries(tiny_model, tmp_path):
    out = tmp_path / "out"
    runs = []
    for name in ("one", "two"):
        src = tmp_path / name
        src.mkdir()
        for k in range(3):
            (src / f"{name}{k}.txt").write_text(article(k), encoding="utf-8")
        runs.append(subprocess.Popen(
            [sys.executable, "-m", "mt", "translate", str(src), "--out", str(out), "--model", str(tiny_model),
             *FAST, "--quiet"], cwd=ROOT, stderr=subprocess.PIPE, text=True))
    codes = [(r.wait(timeout=300), r.stderr.read()) for r in runs]
    files = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]
    for (code, err), name in zip(codes, ("one", "two")):
        mine = {f"{name}{k}.txt" for k in range(3)}
        if code == 0:
            assert mine <= {rel for rel, e in files.items() if e["status"] == "done"}
        else:
            assert code == 2 and "is in use by another mt run" in err, err


def test_out_named_like_a_file_is_refused(tmp_path, capsys):
    src = tmp_path / "one.txt"
    src.write_text("Oggi piove.\n", encoding="utf-8")
    assert main(["translate", str(src), "--out", str(tmp_path / "result.en.txt")]) == 2
    err = capsys.readouterr().err
    assert "names a file" in err and "--out -" in err and err.count("\n") == 1
    assert not (tmp_path / "result.en.txt").exists()


def test_outputs_follow_the_umask_and_failures_are_listed(tiny_model, tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    (src / "ok.txt").write_text(article(1), encoding="utf-8")
    (src / "latin1.txt").write_bytes("Città\n".encode("latin-1"))
    (src / "loop.txt").symlink_to(src / "loop.txt")
    out = tmp_path / "out"
    old = os.umask(0o022)
    try:
        assert main(["translate", str(src), "--out", str(out), "--model", str(tiny_model), *FAST]) == 1
    finally:
        os.umask(old)
    for name in ("ok.en.txt", "ok.aligned.jsonl", "manifest.json"):
        assert (out / name).stat().st_mode & 0o777 == 0o644, name
    err = capsys.readouterr().err
    assert "failed: latin1.txt: " in err and "not UTF-8" in err
    assert "failed: loop.txt: " in err and "symlink loop" in err
    assert "Traceback" not in err and "internal error" not in err


def test_a_symlinked_folder_inside_out_is_never_written_through(tiny_model, tmp_path, capsys):
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    (src / "sub" / "a.txt").write_text(article(1), encoding="utf-8")
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "sub").symlink_to(elsewhere)
    assert main(["translate", str(src), "--out", str(out), "--model", str(tiny_model), *FAST, "--quiet"]) == 2
    assert "leads outside" in capsys.readouterr().err
    assert list(elsewhere.iterdir()) == []


@pytest.mark.slow
def test_a_full_disk_stops_the_run_and_keeps_what_is_complete(tiny_model, tmp_path):
    # RLIMIT_FSIZE makes writes past a size fail (EFBIG) as a full disk would (ENOSPC)
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("Oggi piove.\n", encoding="utf-8")
    (src / "b.txt").write_text(article(2) * 20, encoding="utf-8")
    out = tmp_path / "out"

    def small_files():
        import resource
        import signal

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (3000, 3000))

    run = subprocess.run([sys.executable, "-m", "mt", "translate", str(src), "--out", str(out), "--model",
                          str(tiny_model), *FAST, "--no-cache", "--quiet"], cwd=ROOT, capture_output=True,
                         text=True, timeout=300, preexec_fn=small_files)
    assert run.returncode == 2, run.stderr
    assert run.stderr.startswith(f"error: cannot write {out / 'b.'}") and run.stderr.count("\n") == 1
    files = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert files["a.txt"]["status"] == "done" and "b.txt" not in files
    assert (out / "a.en.txt").exists() and not (out / "b.aligned.jsonl").exists()  # b is redone next run
    assert not [p for p in out.iterdir() if ".tmp-" in p.name]


@pytest.mark.slow
def test_ctrl_c_stops_within_seconds_and_the_next_run_finishes_the_same(tiny_model, tmp_path):
    import signal
    import time

    src = tmp_path / "in"
    src.mkdir()
    for k in range(12):
        (src / f"{k:02d}.txt").write_text(article(k) * 4, encoding="utf-8")
    args = ["translate", str(src), "--model", str(tiny_model), *FAST, "--quiet"]
    clean = tmp_path / "clean"
    assert main([*args, "--out", str(clean)]) == 0
    cut = tmp_path / "cut"
    child = subprocess.Popen([sys.executable, "-m", "mt", *args, "--out", str(cut)], cwd=ROOT,
                             stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    journal = cut / ".manifest.journal.jsonl"  # a file is recorded there once its outputs are whole
    while time.monotonic() < deadline and child.poll() is None and not (
            journal.exists() and journal.stat().st_size):
        time.sleep(0.05)
    child.send_signal(signal.SIGINT)
    sent = time.monotonic()
    code = child.wait(timeout=60)
    assert time.monotonic() - sent < 5
    err = child.stderr.read()
    assert code == 130 and "Traceback" not in err and err.startswith("error: interrupted"), err
    assert json.loads((cut / "manifest.json").read_text(encoding="utf-8"))["files"]  # the journal was folded
    assert main([*args, "--out", str(cut)]) == 0

    def outputs(out):
        return {p.name: p.read_bytes() for p in out.iterdir() if p.name.endswith((".en.txt", ".jsonl"))}

    assert outputs(cut) == outputs(clean)


@pytest.mark.slow
def test_a_hostile_folder_ends_with_the_rest_translated(tiny_model, tmp_path):
    """Over-long lines (with and without spaces), a symlink loop and a normal article: no stall, no
    traceback; each long line is translated or failed with its reason, the article is translated."""
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    (src / "nospace.txt").write_text("a" * 200_000 + "\n", encoding="utf-8")
    words = "il governo ha deciso di aumentare le tasse oggi piove a roma".split()
    (src / "words.txt").write_text(" ".join(words[k % len(words)] for k in range(20_000)) + "\n",
                                   encoding="utf-8")
    (src / "loop.txt").symlink_to(src / "loop.txt")
    (src / "sub" / "normal.txt").write_text(article(1), encoding="utf-8")
    out = tmp_path / "out"
    run = mt(["translate", str(src), "--out", str(out), "--model", str(tiny_model), *FAST, "--quiet"])
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr
    files = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert files["sub/normal.txt"]["status"] == "done" and (out / "sub" / "normal.en.txt").exists()
    assert files["loop.txt"]["status"] == "failed" and "symlink loop" in files["loop.txt"]["error"]
    for name in ("nospace.txt", "words.txt"):
        entry = files[name]
        if entry["status"] == "failed":
            assert f"failed: {name}: " in run.stderr and entry["error"]
        else:
            english = (out / name.replace(".txt", ".en.txt")).read_text(encoding="utf-8")
            assert entry["status"] == "done" and english.strip()
