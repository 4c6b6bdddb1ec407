"""JSON Lines: one JSON object per row with every column plus `split`, in dataset order.

The lossless plain-text format; import needs `it` and `en` on each line, other fields are optional.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from mt.corpus.dataset import Row
from mt.corpus.formats.base import CorpusFormat, atomic_paths, register_format
from mt.errors import InputError
from mt.records import json_lines


@register_format
class JsonlFormat(CorpusFormat):
    name = "jsonl"
    title = "JSONL"
    extensions = (".jsonl", ".jsonl.txt")

    def write(self, rows: Iterable[tuple[str, Row]], path: Path) -> int:
        n = 0
        with atomic_paths([path]) as (tmp,), open(tmp, "w", encoding="utf-8") as f:
            for split, row in rows:
                f.write(json.dumps({"split": split, **row}, ensure_ascii=False) + "\n")
                n += 1
        return n

    def read(self, path: Path) -> Iterator[tuple[str, dict]]:
        for n, fields in json_lines(path):
            if not isinstance(fields, dict):
                raise InputError(f"{path}:{n}: expected a JSON object with `it` and `en` fields")
            yield f"{path}:{n}", fields
