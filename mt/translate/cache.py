"""The translation cache: SQLite rows keyed by (settings digest, source sentence).

Entries are staged while a file is translated and committed together, so an interrupted file is redone whole.
"""

from __future__ import annotations

import hashlib
import json
import math
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
COLUMNS = ["settings", "source", "target", "parts", "degenerate", "score"]


def cache_error(message: str) -> UsageError:
    """A UsageError about the cache file; `option` lets the CLI name its flags."""
    error = UsageError(message)
    error.option = "cache"
    return error


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
                columns = [row[1] for row in self._conn.execute("PRAGMA table_info(translations)")]
            except sqlite3.DatabaseError as e:
                self.close()
                raise self._not_ours(f"SQLite says: {e}") from None
            except OSError as e:
                self.close()
                raise cache_error(f"cannot create the translation cache {self.path}: {e.strerror}") from None
            if columns != COLUMNS:
                self.close()
                raise self._not_ours(f"its translations table has the columns {', '.join(columns)}")
        return self._conn

    def _not_ours(self, why: str) -> UsageError:
        # the file is left as it is: it may be someone's data that merely shares the name
        return cache_error(f"{self.path} is not an mt translation cache ({why}); "
                           f"use another cache file, or none")

    def get(self, sources: list[str]) -> dict[str, tuple[str, int, bool, float | None]]:
        """The cached (target, parts, degenerate, score) of those sources that have one.

        Rows are checked: a cache written by something else must not put wrong values into outputs.
        """
        found = {}
        for i in range(0, len(sources), 500):
            chunk = sources[i:i + 500]
            try:
                rows = self._db.execute(
                    f"SELECT source, target, parts, degenerate, score FROM translations "
                    f"WHERE settings = ? AND source IN ({','.join('?' * len(chunk))})",
                    [self.key, *chunk],
                ).fetchall()
            except sqlite3.DatabaseError as e:
                raise self._not_ours(f"SQLite says: {e}") from None
            for source, target, parts, degenerate, score in rows:
                if not (isinstance(target, str) and type(parts) is int and parts >= 1
                        and degenerate in (0, 1) and type(degenerate) is int
                        and (score is None or (type(score) is float and math.isfinite(score)))):
                    shown = ", ".join(f"{k} {v!r}" for k, v in (("target", target), ("parts", parts),
                                      ("degenerate", degenerate), ("score", score)))[:120]
                    raise self._not_ours(f"the entry for {source[:40]!r} holds {shown}")
                found[source] = (target, parts, bool(degenerate), score)
        return found

    def put(self, source: str, target: str, parts: int, degenerate: bool, score: float | None) -> None:
        """Stage an entry; it is saved by the next `commit`."""
        try:
            self._db.execute(
                "INSERT OR REPLACE INTO translations VALUES (?, ?, ?, ?, ?, ?)",
                (self.key, source, target, parts, int(degenerate), score),
            )
        except sqlite3.DatabaseError as e:
            raise cache_error(f"cannot write the translation cache {self.path}: {e}") from None

    def commit(self) -> None:
        if self._conn is not None:
            try:
                self._conn.commit()
            except sqlite3.DatabaseError as e:
                raise cache_error(f"cannot write the translation cache {self.path}: {e}") from None

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
