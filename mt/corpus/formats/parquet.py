"""Parquet: one file with every column plus `split`, written and read in row groups.

Import needs the `it` and `en` columns; the others are optional.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from mt.corpus.dataset import BATCH_ROWS, COLUMN_NAMES, Row, arrow_schema
from mt.corpus.formats.base import CorpusFormat, atomic_paths, register_format
from mt.errors import InputError


@register_format
class ParquetFormat(CorpusFormat):
    name = "parquet"
    title = "Parquet"
    extensions = (".parquet",)

    def write(self, rows: Iterable[tuple[str, Row]], path: Path) -> int:
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = arrow_schema().append(pa.field("split", pa.string()))
        columns: dict[str, list] = {name: [] for name in schema.names}
        n = 0
        with atomic_paths([path]) as (tmp,), pq.ParquetWriter(tmp, schema) as writer:
            for split, row in rows:
                for name in COLUMN_NAMES:
                    columns[name].append(row[name])
                columns["split"].append(split)
                n += 1
                if len(columns["split"]) >= BATCH_ROWS:
                    writer.write_table(pa.Table.from_pydict(columns, schema=schema))
                    for values in columns.values():
                        values.clear()
            if columns["split"]:
                writer.write_table(pa.Table.from_pydict(columns, schema=schema))
        return n

    def read(self, path: Path) -> Iterator[tuple[str, dict]]:
        import pyarrow.parquet as pq

        try:
            pf = pq.ParquetFile(path)
        except Exception as e:  # pyarrow raises several types for a file that is not Parquet
            raise InputError(f"{path}: not a readable Parquet file ({e})") from None
        missing = [c for c in ("it", "en") if c not in pf.schema_arrow.names]
        if missing:
            raise InputError(f"{path}: lacks column(s) {', '.join(missing)}; "
                             f"a corpus file needs `it` and `en`")
        n = 0
        for batch in pf.iter_batches(batch_size=BATCH_ROWS):
            for fields in batch.to_pylist():
                n += 1
                yield f"{path}: row {n}", fields
