"""Corpus exchange formats (TMX, Moses, JSONL, Parquet) behind one registry, and export / import.

`export_corpus` streams a dataset folder into a file; `import_corpus` streams a file into a new folder.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from mt.corpus.card import CardInfo, Source, render_card
from mt.corpus.dataset import (
    KNOWN_SPLIT_ORDER,
    DatasetFolder,
    DatasetWriter,
    Row,
    SplitInfo,
    new_dataset_folder,
    row_from_fields,
)
from mt.corpus.formats import jsonl, moses, parquet, tmx  # noqa: F401  (each registers its format)
from mt.corpus.formats.base import FORMATS, CorpusFormat, get_format, register_format
from mt.errors import InputError, UsageError
from mt.records import FieldError, text

__all__ = ["FORMATS", "CorpusFormat", "register_format", "get_format", "export_corpus",
           "import_corpus", "TransferReport"]

log = logging.getLogger(__name__)


@dataclass
class TransferReport:
    rows: int
    files: list[Path]
    splits: list[SplitInfo] | None = None


def export_corpus(dataset_dir: str | Path, out: str | Path, *, format: str | None = None,
                  progress: bool = False) -> TransferReport:
    """Write every row of a corpus folder to `out`, splits in card order, rows in file order."""
    from tqdm import tqdm

    folder = DatasetFolder(dataset_dir)
    out = Path(out)
    fmt = get_format(format, out)
    rows = tqdm(folder.iter_rows(), total=folder.num_rows(), desc=f"export {fmt.name}", unit="row",
                disable=not progress, mininterval=0.5)
    n = fmt.write(rows, out)
    return TransferReport(n, fmt.outputs(out))


def _imported_rows(fmt: CorpusFormat, path: Path, origin: str) -> Iterator[tuple[str, Row]]:
    default_doc = path.name.split(".")[0] or path.name
    positions: dict[str, int] = {}
    for where, fields in fmt.read(path):
        try:
            doc_id = text(fields.get("doc_id") or default_doc, "doc_id")
            position = positions.get(doc_id, 0)
            positions[doc_id] = position + 1
            row = row_from_fields(fields, doc_id=doc_id, position=position, origin=origin)
            split = text(fields.get("split") or "train", "split")
        except FieldError as e:
            raise InputError(f"{where}: {e}") from None
        yield split, row


def import_corpus(path: str | Path, dataset_dir: str | Path, *, format: str | None = None,
                  origin: str = "human", license: str = "unknown", force: bool = False,
                  progress: bool = False) -> TransferReport:
    """Build a corpus folder from an exchange file; splits and columns are restored where present."""
    from tqdm import tqdm

    path = Path(path)
    fmt = get_format(format, path)
    if fmt.name != "moses" and not path.is_file():
        raise InputError(f"{path} does not exist or is not a file")
    if origin not in ("mt", "human"):
        raise UsageError(f"--origin must be mt or human, not {origin!r}")
    source = Source(str(path), origin, files=len(fmt.outputs(path)))
    with new_dataset_folder(dataset_dir, force=force) as staging, DatasetWriter(staging) as writer:
        rows = tqdm(_imported_rows(fmt, path, origin), desc=f"import {fmt.name}", unit="row",
                    disable=not progress, mininterval=0.5)
        for split, row in rows:
            writer.add(row, split)
            source.records += 1
        splits = writer.close(KNOWN_SPLIT_ORDER)
        if not splits:
            raise InputError(f"{path} holds no pairs; nothing to import")
        info = CardInfo(
            title=Path(dataset_dir).name,
            license=license,
            sources=[source],
            splits=splits,
            how=f"Imported from {fmt.name} `{path.name}`: splits and documents as given in the file "
                f"(rows without a split go to train); origin `{origin}` where the file gives none.",
            read=source.records,
        )
        writer.write_card(render_card(info))
    return TransferReport(source.records, [Path(dataset_dir)], splits)
