"""File I/O shared by every command: the one atomic writer, the one atomic folder publish, and the one
finder of input files (hidden files and folders are skipped, symlinked folders are not followed).

A reader never sees a half-written file or folder: everything is written to a temp name beside its
target, flushed to disk, and renamed into place. Outputs get the permissions of the user's umask.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import socket
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from mt.errors import InputError, OutputError

TEMP_MARK = ".tmp-"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode a plain `open(path, "w")` would give a new file under the current umask."""
    return 0o666 & ~_umask()


def folder_mode() -> int:
    return 0o777 & ~_umask()


def _temp_prefix(target: Path) -> str:
    # the pid and host let a later run recognise temps left by a killed one (see remove_stale_temps)
    return f".{target.name}{TEMP_MARK}{socket.gethostname()}-{os.getpid()}-"


def check_inside(path: Path, root: Path) -> None:
    """Refuse to write `path` when a symlinked folder on its way leads outside `root`."""
    real_root = Path(os.path.realpath(root))
    real_parent = Path(os.path.realpath(path.parent))
    if not real_parent.is_relative_to(real_root):
        raise OutputError(f"{path.parent} leads outside {root} (a symlinked folder?); "
                          f"refusing to write {path.name} there")


def output_error(path: Path, e: OSError) -> OutputError:
    """The one-line error for a failed write, naming the path and the cause."""
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return OutputError(f"cannot write {path}: the disk is full; free some space and re-run "
                           f"(completed outputs are kept)")
    if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return OutputError(f"cannot write {path}: permission denied; choose a writable folder")
    return OutputError(f"cannot write {path}: {e.strerror or e}")


@contextlib.contextmanager
def atomic_path(path: str | Path, *, root: Path | None = None) -> Iterator[Path]:
    """A temp path beside `path` to write to; renamed onto `path` when the block ends without error.

    For writers that need a file name (Parquet, SQLite); the caller closes its file inside the block.
    With `root`, the target must lie inside it (symlinked folders leading out are refused).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if root is not None:
            check_inside(path, root)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=_temp_prefix(path), suffix=".tmp")
        os.close(fd)
    except OSError as e:
        raise output_error(path, e) from None
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, file_mode())
        _fsync_file(tmp)
        os.replace(tmp, path)
        _fsync_folder(path.parent)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise output_error(path, e) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write(path: str | Path, data: str | bytes, *, root: Path | None = None) -> None:
    """Write `data` (text as UTF-8, or bytes) so that readers see the old or the new file, whole."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(path, root=root) as tmp:
        with open(tmp, "wb") as f:
            f.write(raw)


@contextlib.contextmanager
def atomic_folder(target: str | Path, *, replace: bool = False) -> Iterator[Path]:
    """A temp folder beside `target` to fill; published as `target` in one rename when the block ends.

    If `target` appeared meanwhile (another process published it first), that copy is kept and this
    one discarded, unless `replace`: then the old `target` is renamed aside and removed after the
    publish. Temp folders of killed runs on this host are removed on the next publish.
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(target)
        tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=_temp_prefix(target)))
        os.chmod(tmp, folder_mode())
    except OSError as e:
        raise output_error(target, e) from None
    try:
        yield tmp
        old = target.parent / f"{_temp_prefix(target)}old"
        if replace and target.is_dir() and not target.is_symlink():
            os.rename(target, old)
        try:
            os.rename(tmp, target)
        except OSError as e:
            if e.errno not in (errno.EEXIST, errno.ENOTEMPTY) or not target.is_dir():
                raise
            shutil.rmtree(tmp, ignore_errors=True)  # published by another process first
        shutil.rmtree(old, ignore_errors=True)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise output_error(target, e) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def remove_stale_temps(target: Path) -> None:
    """Remove temp files/folders for `target` left by processes of this host that no longer run."""
    prefix = f".{target.name}{TEMP_MARK}{socket.gethostname()}-"
    try:
        siblings = list(target.parent.iterdir())
    except OSError:
        return
    for sibling in siblings:
        if not sibling.name.startswith(prefix):
            continue
        pid = sibling.name[len(prefix):].split("-", 1)[0]
        if pid.isdigit() and not pid_alive(int(pid)):
            if sibling.is_dir() and not sibling.is_symlink():
                shutil.rmtree(sibling, ignore_errors=True)
            else:
                sibling.unlink(missing_ok=True)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def check_writable(folder: str | Path) -> None:
    """Fail early, naming the folder, when it cannot be created or written to."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder} exists and is not a folder; choose another output folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=_temp_prefix(folder / "probe"))
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise output_error(folder, e) from None


# ---------------------------------------------------------------------------------------------- finding


@dataclass(frozen=True)
class Found:
    """A file found under a root: `rel` is its POSIX path relative to the root; `problem` says why it
    cannot be used (then it is reported, not silently dropped)."""

    rel: str
    path: Path
    problem: str | None = None


def is_hidden(name: str) -> bool:
    return name.startswith(".")


def find_files(
    source: str | Path,
    suffixes: Iterable[str],
    *,
    exclude_suffixes: Iterable[str] = (),
    exclude: Iterable[str | Path] = (),
) -> list[Found]:
    """The files under `source` (a file or a folder) whose names end in one of `suffixes`, sorted by rel.

    The one rule for every command: hidden files and folders (names starting with `.`) are skipped,
    symlinked folders are not followed, a symlinked file must stay inside `source`, and folders in
    `exclude` (e.g. the output folder) are not searched. Problems (an unreadable folder, a symlink loop,
    a folder named like an input) come back as entries with a `problem`, so they can be reported.
    """
    source = Path(source)
    suffixes = tuple(suffixes)
    exclude_suffixes = tuple(exclude_suffixes)
    if not source.exists() and not source.is_symlink():
        raise InputError(f"{source} does not exist")
    if not source.is_dir():
        return [Found(source.name, source, _file_problem(source, None))]
    root = Path(os.path.realpath(source))
    skip = {Path(os.path.realpath(p)) for p in exclude}

    def wanted(name: str) -> bool:
        return name.endswith(suffixes) and not name.endswith(exclude_suffixes) and not is_hidden(name)

    found: list[Found] = []

    def unreadable(e: OSError) -> None:
        folder = Path(e.filename) if e.filename else source
        rel = folder.relative_to(source).as_posix() if folder.is_relative_to(source) else str(folder)
        found.append(Found(rel + "/", folder, f"is a folder that cannot be read ({e.strerror}); "
                                              f"its files were left out"))

    for folder, dirs, files in os.walk(source, onerror=unreadable):
        here = Path(folder)
        kept = []
        for d in sorted(dirs):
            path = here / d
            if is_hidden(d) or Path(os.path.realpath(path)) in skip:
                continue
            if path.is_symlink():
                if wanted(d):
                    found.append(_found(source, path, "is a symlinked folder, not a text file"))
                continue  # symlinked folders are not followed
            if wanted(d):
                found.append(_found(source, path, "is a folder, not a text file"))
            kept.append(d)
        dirs[:] = kept
        for name in files:
            if wanted(name):
                path = here / name
                found.append(_found(source, path, _file_problem(path, root)))
    found.sort(key=lambda f: f.rel)
    return found


def _found(source: Path, path: Path, problem: str | None) -> Found:
    return Found(path.relative_to(source).as_posix(), path, problem)


def _file_problem(path: Path, root: Path | None) -> str | None:
    if path.is_symlink():
        try:
            target = Path(os.path.realpath(path, strict=True))
        except OSError as e:
            if e.errno == errno.ELOOP:
                return "is a symlink loop"
            return "does not exist (a broken symlink)"
        except RuntimeError:
            return "is a symlink loop"
        if root is not None and not target.is_relative_to(root):
            return "is a symlink to a file outside the input folder; refused"
    if path.exists() and not path.is_file():
        return "is not a regular file"
    return None
