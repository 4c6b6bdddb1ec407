"""The aligned record: one sentence (or bead) with its translation, as written to `*.aligned.jsonl`.

Defined once here; `mt translate`, `mt corpus align` and `mt corpus build` all read and write it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass


@dataclass
class AlignedRecord:
    paragraph: int
    sentence: int
    source: str
    target: str
    parts: int = 1
    degenerate: bool = False
    score: float | None = None
    source_raw: str | None = None
    target_raw: str | None = None

    def to_dict(self) -> dict:
        d = asdict(self)
        for key in ("source_raw", "target_raw"):
            if d[key] is None:
                del d[key]
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_dict(cls, d: dict) -> AlignedRecord:
        return cls(
            paragraph=int(d["paragraph"]),
            sentence=int(d["sentence"]),
            source=d["source"],
            target=d["target"],
            parts=int(d.get("parts", 1)),
            degenerate=bool(d.get("degenerate", False)),
            score=d.get("score"),
            source_raw=d.get("source_raw"),
            target_raw=d.get("target_raw"),
        )


def write_jsonl(records: list[AlignedRecord]) -> str:
    """The text of an aligned.jsonl file (one record per line, final newline)."""
    return "".join(r.to_json() + "\n" for r in records)


def read_jsonl(path) -> list[AlignedRecord]:
    with open(path, encoding="utf-8") as f:
        return [AlignedRecord.from_dict(json.loads(line)) for line in f if line.strip()]
