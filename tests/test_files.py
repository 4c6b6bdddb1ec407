"""mt.files: the one atomic writer and folder publish, and the one rule for finding input files."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mt.errors import InputError, OutputError
from mt.files import atomic_folder, atomic_write, check_writable, find_files, remove_stale_temps


def test_atomic_write_gives_whole_files_with_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write(tmp_path / "a" / "b.txt", "è\n")
        atomic_write(tmp_path / "a" / "c.bin", b"\x00\x01")
    finally:
        os.umask(old)
    assert (tmp_path / "a" / "b.txt").read_bytes() == "è\n".encode()
    assert (tmp_path / "a" / "c.bin").read_bytes() == b"\x00\x01"
    assert oct((tmp_path / "a" / "b.txt").stat().st_mode & 0o777) == oct(0o644)
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["b.txt", "c.bin"]  # no temp left


def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path):
    target = tmp_path / "t.txt"
    atomic_write(target, "old\n")
    with pytest.raises(TypeError):
        atomic_write(target, 12345)  # not str or bytes: fails inside the block
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["t.txt"]


def test_never_writes_through_a_symlinked_folder_leading_outside_root(tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "sub").symlink_to(elsewhere)
    with pytest.raises(OutputError, match="leads outside"):
        atomic_write(out / "sub" / "x.txt", "x", root=out)
    assert list(elsewhere.iterdir()) == []
    atomic_write(out / "real" / "x.txt", "x", root=out)
    assert (out / "real" / "x.txt").exists()


def test_atomic_folder_publishes_whole_and_cleans_up(tmp_path):
    target = tmp_path / "model"
    with pytest.raises(RuntimeError):
        with atomic_folder(target) as tmp:
            (tmp / "half").write_text("x")
            raise RuntimeError("interrupted")
    assert not target.exists() and list(tmp_path.iterdir()) == []
    with atomic_folder(target) as tmp:
        (tmp / "config.json").write_text("{}")
    assert (target / "config.json").exists()
    with atomic_folder(target) as tmp:  # published by someone else first: theirs is kept
        (tmp / "other").write_text("x")
    assert sorted(p.name for p in target.iterdir()) == ["config.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_temps_of_dead_processes_are_removed(tmp_path):
    target = tmp_path / "model"
    child = subprocess.run(
        [sys.executable, "-c", "import os, tempfile, sys; from pathlib import Path; "
         "from mt.files import _temp_prefix; "
         f"print(tempfile.mkdtemp(dir={str(tmp_path)!r}, prefix=_temp_prefix(Path({str(target)!r}))))"],
        capture_output=True, text=True, check=True)
    stale = Path(child.stdout.strip())
    assert stale.is_dir()
    remove_stale_temps(target)
    assert not stale.exists()


def test_check_writable_names_the_folder(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="exists and is not a folder"):
        check_writable(tmp_path / "file")
    with pytest.raises(OutputError, match=str(tmp_path / "file" / "sub")):
        check_writable(tmp_path / "file" / "sub")


def test_find_files_one_rule(tmp_path):
    root = tmp_path / "in"
    for rel in ("a.txt", "b/c.txt", "b/c.en.txt", ".hidden/d.txt", "b/.e.txt", "notes.md"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x")
    (root / "linked").symlink_to(root / "b")  # symlinked folders are not followed
    (root / "loop1.txt").symlink_to(root / "loop2.txt")
    (root / "loop2.txt").symlink_to(root / "loop1.txt")
    (root / "dir.txt").mkdir()
    found = {f.rel: f.problem for f in find_files(root, [".txt"], exclude_suffixes=[".en.txt"])}
    assert list(found) == sorted(found)
    assert found == {"a.txt": None, "b/c.txt": None, "dir.txt": "is a folder, not a text file",
                     "loop1.txt": "is a symlink loop", "loop2.txt": "is a symlink loop"}
    assert [f.rel for f in find_files(root, [".txt"], exclude=[root / "b"]) if f.problem is None] == ["a.txt"]
    with pytest.raises(InputError, match="does not exist"):
        find_files(tmp_path / "nope", [".txt"])


def test_an_unreadable_folder_is_reported_not_skipped(tmp_path, monkeypatch):
    (tmp_path / "ok.txt").write_text("x")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "inner.txt").write_text("x")
    if os.geteuid() == 0:
        # root reads every folder, so for root the refusal the OS would give a user is made here
        real_scandir = os.scandir

        def scandir(path="."):
            if Path(path) == locked:
                raise PermissionError(13, "Permission denied", str(path))
            return real_scandir(path)

        monkeypatch.setattr(os, "scandir", scandir)
    else:
        locked.chmod(0)
    try:
        found = [(f.rel, f.problem) for f in find_files(tmp_path, [".txt"])]
    finally:
        locked.chmod(0o755)
    assert found[0] == ("locked/", "is a folder that cannot be read (Permission denied); "
                                   "its files were left out")
    assert found[1:] == [("ok.txt", None)]
