"""mt.output_folder: one manifest schema (old ones still read), the O(1) journal, and the run lock."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from mt.errors import OutputError
from mt.output_folder import JOURNAL, MANIFEST, Manifest, locked, read_manifest

SETTINGS = {"model": "m", "beams": 4}


def test_records_go_to_the_journal_and_fold_into_the_manifest(tmp_path):
    m = Manifest(tmp_path, "translate", model="m", settings=SETTINGS)
    m.record("b.txt", {"status": "done", "sha256": "1"})
    m.record("a.txt", {"status": "failed", "error": "bad"})
    assert (tmp_path / JOURNAL).exists()
    assert json.loads((tmp_path / MANIFEST).read_text())["files"] == {}  # not rewritten per file
    # a killed run: the journal is folded in by whoever reads next
    data = read_manifest(tmp_path)
    assert data.kind == "translate" and data.origin == "mt"
    assert data.files == {"a.txt": {"status": "failed", "error": "bad"},
                          "b.txt": {"status": "done", "sha256": "1"}}
    m.close()
    assert not (tmp_path / JOURNAL).exists()
    saved = json.loads((tmp_path / MANIFEST).read_text())
    assert list(saved["files"]) == ["a.txt", "b.txt"] and saved["settings"] == SETTINGS


def test_a_torn_journal_line_is_dropped(tmp_path):
    m = Manifest(tmp_path, "translate", model="m", settings=SETTINGS)
    m.record("a.txt", {"status": "done"})
    with open(tmp_path / JOURNAL, "a") as f:
        f.write('{"file": "b.txt", "entr')
    again = Manifest(tmp_path, "translate", model="m", settings=SETTINGS)
    assert again.files == {"a.txt": {"status": "done"}}
    assert not (tmp_path / JOURNAL).exists()


def test_other_settings_drop_the_entries(tmp_path):
    m = Manifest(tmp_path, "translate", model="m", settings=SETTINGS)
    m.record("a.txt", {"status": "done"})
    m.close()
    other = Manifest(tmp_path, "translate", model="m", settings={**SETTINGS, "beams": 1})
    assert other.files == {}
    assert json.loads((tmp_path / MANIFEST).read_text())["settings"]["beams"] == 1


def test_manifests_of_earlier_versions_are_read(tmp_path):
    old_translate = tmp_path / "t"
    old_translate.mkdir()
    (old_translate / MANIFEST).write_text(json.dumps(
        {"model": "m", "settings": SETTINGS, "files": {"a.txt": {"status": "done", "sha256": "x"}}}))
    data = read_manifest(old_translate)
    assert (data.kind, data.origin, data.model) == ("translate", "mt", "m")
    assert Manifest(old_translate, "translate", model="m", settings=SETTINGS).done("a.txt", "x")
    old_align = tmp_path / "a"
    old_align.mkdir()
    (old_align / MANIFEST).write_text(json.dumps(
        {"origin": "human", "aligner": {"method": "no-mt"}, "files": {"x": {"status": "done"}}}))
    data = read_manifest(old_align)
    assert (data.kind, data.origin, data.settings) == ("align", "human", {"method": "no-mt"})
    assert read_manifest(tmp_path / "nothing") is None


def test_a_second_run_on_the_same_folder_is_refused_with_its_owner(tmp_path):
    with locked(tmp_path):
        with pytest.raises(OutputError, match=rf"{tmp_path} is in use by another mt run "
                                              rf"\(pid {os.getpid()} on {socket.gethostname()}\)"):
            with locked(tmp_path):
                pass
        started = time.monotonic()
        with pytest.raises(OutputError, match="in use"):
            with locked(tmp_path, wait=0.5):
                pass
        assert 0.4 < time.monotonic() - started < 5
    with locked(tmp_path):  # free again once released
        pass


def test_a_killed_run_does_not_block_the_next(tmp_path):
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; from pathlib import Path; from mt.output_folder import locked\n"
         f"with locked(Path({str(tmp_path)!r})):\n    print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "held"
    with pytest.raises(OutputError, match=f"pid {child.pid}"):
        with locked(tmp_path):
            pass
    child.send_signal(signal.SIGKILL)
    child.wait()
    with locked(tmp_path):  # the OS dropped the dead run's lock
        pass


def test_an_unwritable_output_folder_is_refused_before_any_work(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match=str(tmp_path / "file")):
        with locked(tmp_path / "file"):
            pass
