"""The output folder of `mt translate` and `mt corpus align --out`: its file names, its manifest (with
the append-only journal that keeps each file's update O(1)), and the lock that keeps two runs apart.

Every command that writes or reads such a folder goes through here; the writes go through mt.files.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mt.errors import InputError, OutputError
from mt.files import atomic_write, check_inside, check_writable, output_error

MANIFEST = "manifest.json"
JOURNAL = ".manifest.journal.jsonl"
LOCK = ".mt.lock"
LOCK_OWNER = ".mt.lock.owner"
CACHE_NAME = ".mt-cache.sqlite"
ENGLISH_SUFFIX = ".en.txt"
RECORDS_SUFFIX = ".aligned.jsonl"

KINDS = ("translate", "align")
ORIGINS = {"translate": "mt", "align": "human"}

log = logging.getLogger(__name__)


def english_path(out: Path, base: str) -> Path:
    return out / (base + ENGLISH_SUFFIX)


def records_path(out: Path, base: str) -> Path:
    return out / (base + RECORDS_SUFFIX)


@dataclass
class ManifestData:
    """What `manifest.json` says: the kind of run, the origin of its records (`mt` or `human`), the
    model and settings it was made with, and per input file its entry (`status` done or failed, …)."""

    kind: str
    origin: str
    model: str | None = None
    settings: dict = field(default_factory=dict)
    files: dict[str, dict] = field(default_factory=dict)

    def to_json(self) -> str:
        data = {"kind": self.kind, "origin": self.origin, "model": self.model, "settings": self.settings,
                "files": dict(sorted(self.files.items()))}
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_dict(cls, data: dict) -> ManifestData:
        """Also reads the manifests of earlier versions: translate ones had no kind/origin (a `model`
        key), align ones an `aligner` instead of settings."""
        kind = data.get("kind") or ("translate" if "model" in data and "aligner" not in data else "align")
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        settings = data.get("settings")
        if settings is None and "aligner" in data:
            settings = data["aligner"]
        files = data.get("files") or {}
        if not isinstance(files, dict) or not isinstance(settings or {}, dict):
            raise ValueError("files and settings must be objects")
        origin = data.get("origin") or ORIGINS[kind]
        return cls(kind=kind, origin=origin, model=data.get("model"), settings=settings or {},
                   files=dict(files))


def read_manifest(folder: str | Path) -> ManifestData | None:
    """The folder's manifest with its journal folded in (None when it has neither)."""
    folder = Path(folder)
    path = folder / MANIFEST
    data = None
    if path.exists():
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(raw, dict):
                raise ValueError("not a JSON object")
            data = ManifestData.from_dict(raw)
        except (ValueError, UnicodeDecodeError) as e:
            raise InputError(f"{path} is not a valid mt manifest ({e}); fix it, or delete it to redo "
                             f"the folder") from None
        except OSError as e:
            raise InputError(f"cannot read {path}: {e.strerror}") from None
    journal = _read_journal(folder / JOURNAL)
    if journal and data is None:
        return None  # a journal without its manifest's header belongs to nothing we can trust
    if data is not None:
        for rel, entry in journal:
            data.files[rel] = entry
    return data


def _read_journal(path: Path) -> list[tuple[str, dict]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as e:
        log.warning("ignoring unreadable %s (%s)", path, e)
        return []
    entries = []
    for line in text.splitlines():
        try:  # the last line of a killed run may be torn; it was never acknowledged, so drop it
            item = json.loads(line)
            entries.append((item["file"], item["entry"]))
        except (ValueError, KeyError, TypeError):
            continue
    return entries


class Manifest:
    """The manifest of a run in progress. `record()` appends one line to the journal (O(1) per file);
    `save()` folds everything into `manifest.json` and empties the journal; a run's end saves.

    Entries made under other settings (or another model) are dropped when they change, so they are redone.
    """

    def __init__(self, out: Path, kind: str, *, model: str | None, settings: dict):
        self.out = out
        self.path = out / MANIFEST
        self.journal_path = out / JOURNAL
        self.data = ManifestData(kind=kind, origin=ORIGINS[kind], model=model, settings=settings)
        try:
            old = read_manifest(out)
        except InputError as e:
            log.warning("%s; all files will be done again", e)
            old = None
        same = old is not None and old.kind == kind and old.settings == settings
        if same:
            self.data.files = old.files
        elif old is not None and old.files:
            log.warning("%s was made with other settings; its files will be done again", self.path)
        self._journal = None
        if not same or self.journal_path.exists():
            self.save()  # a fresh header first: every journal line then belongs to these settings

    @property
    def files(self) -> dict[str, dict]:
        return self.data.files

    def done(self, rel: str, sha256: str | None = None) -> bool:
        entry = self.files.get(rel, {})
        return entry.get("status") == "done" and (sha256 is None or entry.get("sha256") == sha256)

    def failed(self, rel: str) -> bool:
        return self.files.get(rel, {}).get("status") == "failed"

    def record(self, rel: str, entry: dict) -> None:
        self.files[rel] = entry
        line = json.dumps({"file": rel, "entry": entry}, ensure_ascii=False) + "\n"
        try:
            if self._journal is None:
                check_inside(self.journal_path, self.out)
                self._journal = open(self.journal_path, "a", encoding="utf-8")
            self._journal.write(line)
            self._journal.flush()
            os.fsync(self._journal.fileno())
        except OSError as e:
            raise output_error(self.journal_path, e) from None

    def save(self) -> None:
        atomic_write(self.path, self.data.to_json(), root=self.out)
        self._close_journal()
        self.journal_path.unlink(missing_ok=True)

    def _close_journal(self) -> None:
        if self._journal is not None:
            self._journal.close()
            self._journal = None

    def close(self) -> None:
        """Fold the journal into manifest.json (the complete record after every finished run)."""
        with contextlib.suppress(OutputError):
            self.save()
        self._close_journal()


@contextlib.contextmanager
def locked(out: Path, wait: float | None = None) -> Iterator[None]:
    """Hold `OUT/.mt.lock` for a run. Another run holding it: wait up to `wait` seconds, else an error
    naming its pid and host. The OS drops the lock when its process dies, so a killed run never blocks."""
    from filelock import FileLock, Timeout

    check_writable(out)
    lock = FileLock(str(out / LOCK), timeout=wait if wait is not None else 0)
    try:
        lock.acquire(poll_interval=0.2)
    except Timeout:
        raise OutputError(f"{out} is in use by another mt run ({_owner(out)}); wait for it to finish, "
                          f"or choose another output folder") from None
    except OSError as e:
        raise output_error(out / LOCK, e) from None
    try:
        owner = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}
        atomic_write(out / LOCK_OWNER, json.dumps(owner) + "\n", root=out)
        yield
    finally:
        with contextlib.suppress(OSError):
            (out / LOCK_OWNER).unlink()
        lock.release()


def _owner(out: Path) -> str:
    try:
        owner = json.loads((out / LOCK_OWNER).read_text(encoding="utf-8"))
        return f"pid {owner['pid']} on {owner['host']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "pid unknown"
