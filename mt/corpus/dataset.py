"""The corpus dataset folder: its columns, and the streaming Parquet writer and reader behind it.

A folder holds `README.md` (the card; its YAML header names the splits) and `data/SPLIT-*.parquet`.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from mt.errors import InputError, UsageError
from mt.files import atomic_folder
from mt.records import FieldError, finite_number, flag, text, whole_number

log = logging.getLogger(__name__)

# (column, datasets dtype); the one list from which the Arrow schema, the datasets Features and the
# card's `dataset_info.features` are all made, so the three cannot disagree.
COLUMNS: list[tuple[str, str]] = [
    ("id", "string"),
    ("doc_id", "string"),
    ("paragraph", "int32"),
    ("sentence", "int32"),
    ("it", "string"),
    ("en", "string"),
    ("origin", "string"),
    ("score", "float64"),
    ("it_raw", "string"),
    ("en_raw", "string"),
    ("parts", "int32"),
    ("degenerate", "bool"),
]
COLUMN_NAMES = [name for name, _ in COLUMNS]
ORIGINS = ("mt", "human")
# Rows per Parquet row group and per in-memory buffer: bounds memory however large the corpus is.
BATCH_ROWS = 50_000
SPLIT_NAME = re.compile(r"^[A-Za-z0-9_]+$")
KNOWN_SPLIT_ORDER = ("train", "validation", "test")


class Row(TypedDict):
    """One corpus row, keyed like the Parquet columns."""

    id: str
    doc_id: str
    paragraph: int
    sentence: int
    it: str
    en: str
    origin: str
    score: float | None
    it_raw: str | None
    en_raw: str | None
    parts: int
    degenerate: bool


def arrow_schema():
    import pyarrow as pa

    types = {"string": pa.string(), "int32": pa.int32(), "float64": pa.float64(), "bool": pa.bool_()}
    return pa.schema([pa.field(name, types[dtype]) for name, dtype in COLUMNS])


def row_id(origin: str, doc_id: str, position: int) -> str:
    """A stable id: the same document and position always give the same id, on any machine."""
    key = f"{origin}\0{doc_id}\0{position}".encode()
    return hashlib.blake2b(key, digest_size=8).hexdigest()


def check_split_name(name: str) -> str:
    if not SPLIT_NAME.match(name):
        raise UsageError(f"split name {name!r} is not valid; use letters, digits and _ only")
    return name


def row_from_fields(d: dict, *, doc_id: str, position: int, origin: str) -> Row:
    """A Row from a partial mapping (an imported record); missing optional fields get defaults.

    Values are checked, never coerced (see mt.records); FieldError names the field and the value.
    """
    for key in ("it", "en"):
        if d.get(key) is None:
            raise FieldError(f"missing field {key!r}")
    origin = text(d.get("origin") or origin, "origin")
    if origin not in ORIGINS:
        raise FieldError(f"origin {origin!r} is not one of {', '.join(ORIGINS)}")
    doc = text(d.get("doc_id") or doc_id, "doc_id")

    def get(key: str, check, default):
        return default if d.get(key) is None else check(d[key], key)

    return {
        "id": get("id", text, None) or row_id(origin, doc, position),
        "doc_id": doc,
        "paragraph": get("paragraph", whole_number, 0),
        "sentence": get("sentence", whole_number, position),
        "it": text(d["it"], "it"),
        "en": text(d["en"], "en"),
        "origin": origin,
        "score": get("score", finite_number, None),
        "it_raw": get("it_raw", text, None),
        "en_raw": get("en_raw", text, None),
        "parts": get("parts", whole_number, 1),
        "degenerate": get("degenerate", flag, False),
    }


@dataclass(frozen=True)
class SplitInfo:
    name: str
    rows: int
    docs: int
    num_bytes: int


def split_order(names, declared: list[str] | tuple[str, ...] = KNOWN_SPLIT_ORDER) -> list[str]:
    """Declared split names first (in their order), then any others in the order first seen."""
    names = list(dict.fromkeys(names))
    return [n for n in declared if n in names] + [n for n in names if n not in declared]


@contextmanager
def new_dataset_folder(path: str | Path, *, force: bool = False) -> Iterator[Path]:
    """A temp folder to write a corpus into, published at `path` in one rename when the block ends.

    An error or Ctrl-C inside the block removes it, so no half-written corpus is ever left behind.
    """
    path = Path(path)
    if path.exists() and not (path.is_dir() and force):
        what = "a file" if not path.is_dir() else "an existing folder"
        raise UsageError(f"{path} is {what}; pass --force to replace it or pick a new path")
    with atomic_folder(path, replace=force) as tmp:
        yield tmp


class DatasetWriter:
    """Writes a corpus into `folder`: rows stream into one Parquet writer per split, in row groups."""

    def __init__(self, folder: Path, *, batch_rows: int = BATCH_ROWS):
        self.folder = folder
        self.batch_rows = batch_rows
        (folder / "data").mkdir()
        self._schema = arrow_schema()
        self._buffers: dict[str, dict[str, list]] = {}
        self._writers: dict = {}
        self._rows: dict[str, int] = {}
        self._bytes: dict[str, int] = {}
        self._docs: dict[str, set[str]] = {}

    def __enter__(self) -> DatasetWriter:
        return self

    def __exit__(self, *exc) -> None:
        self._close_writers()

    def _close_writers(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()

    def add(self, row: Row, split: str) -> None:
        buf = self._buffers.get(split)
        if buf is None:
            check_split_name(split)
            buf = self._buffers[split] = {name: [] for name in COLUMN_NAMES}
            self._rows[split] = 0
            self._docs[split] = set()
        for name in COLUMN_NAMES:
            buf[name].append(row[name])
        self._rows[split] += 1
        self._docs[split].add(row["doc_id"])
        if len(buf["id"]) >= self.batch_rows:
            self._flush(split)

    def _flush(self, split: str) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        buf = self._buffers[split]
        if not buf["id"]:
            return
        table = pa.Table.from_pydict(buf, schema=self._schema)
        writer = self._writers.get(split)
        if writer is None:
            file = self.folder / "data" / f"{split}-00000-of-00001.parquet"
            writer = self._writers[split] = pq.ParquetWriter(file, self._schema)
        writer.write_table(table, row_group_size=self.batch_rows)
        self._bytes[split] = self._bytes.get(split, 0) + table.nbytes
        for values in buf.values():
            values.clear()

    def close(self, declared: list[str] | tuple[str, ...] = KNOWN_SPLIT_ORDER) -> list[SplitInfo]:
        """Finish the Parquet files; the splits that got rows, declared ones first."""
        for split in self._buffers:
            self._flush(split)
        self._close_writers()
        return [
            SplitInfo(name, self._rows[name], len(self._docs[name]), self._bytes[name])
            for name in split_order(self._buffers, declared)
        ]

    def write_card(self, card: str) -> None:
        (self.folder / "README.md").write_text(card, encoding="utf-8")


def read_card_header(path: Path) -> dict:
    """The YAML header of a dataset card (empty if there is none)."""
    import yaml

    text = path.read_text(encoding="utf-8")
    if not text.startswith("---"):
        return {}
    parts = text.split("\n---", 1)
    try:
        header = yaml.safe_load(parts[0][3:]) if len(parts) == 2 else None
    except yaml.YAMLError as e:
        raise InputError(f"{path}: the YAML header is not valid ({e})") from None
    return header if isinstance(header, dict) else {}


class DatasetFolder:
    """A corpus folder opened for reading: its splits in card order and their rows, streamed."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        card = self.path / "README.md"
        if not self.path.is_dir():
            raise InputError(f"{self.path} is not a folder; pass a folder made by `mt corpus build`")
        if not card.is_file():
            raise InputError(f"{self.path} has no README.md card; is it a folder made by `mt corpus build`?")
        self.header = read_card_header(card)
        self.splits: list[str] = []
        self._files: dict[str, list[Path]] = {}
        for config in self.header.get("configs") or []:
            if config.get("config_name", "default") != "default":
                continue
            for entry in config.get("data_files") or []:
                files = sorted(self.path.glob(entry["path"]))
                if not files:
                    raise InputError(f"{card} names {entry['path']} but no such file exists")
                self.splits.append(entry["split"])
                self._files[entry["split"]] = files
        if not self.splits:
            raise InputError(f"{card} declares no splits (no `configs` in its YAML header)")

    def num_rows(self, split: str | None = None) -> int:
        names = [split] if split else self.splits
        return sum(_parquet_file(f).metadata.num_rows for n in names for f in self._files[n])

    def iter_batches(self, split: str, columns: list[str] | None = None) -> Iterator:
        """Arrow record batches of one split (at most BATCH_ROWS rows each)."""
        for file in self._files[split]:
            pf = _parquet_file(file)
            missing = [c for c in (columns or COLUMN_NAMES) if c not in pf.schema_arrow.names]
            if missing:
                raise InputError(f"{file} lacks column(s) {', '.join(missing)}; rebuild the corpus")
            yield from pf.iter_batches(batch_size=BATCH_ROWS, columns=columns or COLUMN_NAMES)

    def iter_rows(self) -> Iterator[tuple[str, Row]]:
        """(split, row) for every row, splits in card order, rows in file order."""
        for split in self.splits:
            for batch in self.iter_batches(split):
                for row in batch.to_pylist():
                    yield split, row


def _parquet_file(path: Path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as e:
        raise InputError(f"{path}: not a readable Parquet file ({e}); rebuild the corpus") from None
