"""`mt translate` from the outside: exit codes, one-line errors, stdin/stdout, and a no-torch re-run."""

import json
import os
import subprocess
import sys
from pathlib import Path

from mt.cli import main

ROOT = Path(__file__).resolve().parent.parent
FAST = ["--backend", "transformers", "--max-new-tokens", "16"]


def mt(args: list[str], stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mt", *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **(env or {})}, timeout=300)


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
    assert run.stderr == ("error: cannot load model ./models/missing: no such folder; download it where "
                          "there is network (it is then kept in the Hugging Face cache; set HF_HUB_OFFLINE=1 "
                          "to use that copy), or pass a local folder with --model\n")


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
