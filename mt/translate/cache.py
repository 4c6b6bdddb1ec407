"""The translation cache: SQLite rows keyed by (settings digest, source sentence).

Entries are staged while a file is translated and committed together, so an interrupted file is redone whole.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

from mt.errors import UsageError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS translations (
    settings TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    parts INTEGER NOT NULL,
    degenerate INTEGER NOT NULL,
    score REAL,
    PRIMARY KEY (settings, source)
)
"""


def settings_digest(settings: dict) -> str:
    """A short stable key for a settings dict."""
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:32]


class TranslationCache:
    """Sentence translations for one settings digest, in a SQLite file that several runs may share.

    The file is opened (and created) on first use, so a run with nothing to translate never touches it.
    """

    def __init__(self, path: str | Path, settings: dict):
        self.path = Path(path)
        self.key = settings_digest(settings)
        self._conn: sqlite3.Connection | None = None

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._conn = sqlite3.connect(self.path, timeout=30)
                self._conn.execute(_SCHEMA)
                self._conn.commit()
            except sqlite3.DatabaseError as e:
                self._conn = None
                raise UsageError(f"cannot use {self.path} as a translation cache ({e}); "
                                 f"pass another --cache PATH or --no-cache") from None
            except OSError as e:
                raise UsageError(f"cannot create the cache {self.path}: {e.strerror}") from None
        return self._conn

    def get(self, sources: list[str]) -> dict[str, tuple[str, int, bool, float | None]]:
        """The cached (target, parts, degenerate, score) of those sources that have one."""
        found = {}
        for i in range(0, len(sources), 500):
            chunk = sources[i:i + 500]
            rows = self._db.execute(
                f"SELECT source, target, parts, degenerate, score FROM translations "
                f"WHERE settings = ? AND source IN ({','.join('?' * len(chunk))})",
                [self.key, *chunk],
            )
            for source, target, parts, degenerate, score in rows:
                found[source] = (target, parts, bool(degenerate), score)
        return found

    def put(self, source: str, target: str, parts: int, degenerate: bool, score: float | None) -> None:
        """Stage an entry; it is saved by the next `commit`."""
        self._db.execute(
            "INSERT OR REPLACE INTO translations VALUES (?, ?, ?, ?, ?, ?)",
            (self.key, source, target, parts, int(degenerate), score),
        )

    def commit(self) -> None:
        if self._conn is not None:
            self._conn.commit()

    def rollback(self) -> None:
        if self._conn is not None:
            self._conn.rollback()

    def __len__(self) -> int:
        query = "SELECT COUNT(*) FROM translations WHERE settings = ?"
        return self._db.execute(query, (self.key,)).fetchone()[0]

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
