"""The aligned record: one sentence (or bead) with its translation, as written to `*.aligned.jsonl`.

Defined once here, with its one writer and its one (validating) reader; `mt translate`, `mt corpus
align` and `mt corpus build` all go through it. Values are checked, never coerced: `1.0` is not a
whole number, `"true"` is not a flag, and NaN is not a score.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from mt.errors import InputError

# Whole numbers end up in Parquet int32 columns; a larger one would fail there, far from its line.
INT_MAX = 2**31 - 1


class FieldError(ValueError):
    """A field with a missing or wrong value; the message is written for the user."""


def whole_number(value, name: str) -> int:
    """A JSON integer between 0 and INT_MAX (a bool or a float such as 1.0 is refused)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError(f"field {name!r} must be a whole number, not {_show(value)}")
    if not 0 <= value <= INT_MAX:
        raise FieldError(f"field {name!r} must be between 0 and {INT_MAX}, not {_show(value)}")
    return value


def finite_number(value, name: str) -> float:
    """A JSON number that is finite (NaN and infinities are refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FieldError(f"field {name!r} must be a number, not {_show(value)}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise FieldError(f"field {name!r} must be a finite number, not {_show(value)}")
    return number


def text(value, name: str) -> str:
    if not isinstance(value, str):
        raise FieldError(f"field {name!r} must be text, not {_show(value)}")
    return value


def optional_text(value, name: str) -> str | None:
    return None if value is None else text(value, name)


def flag(value, name: str) -> bool:
    if not isinstance(value, bool):
        raise FieldError(f"field {name!r} must be true or false, not {_show(value)}")
    return value


def _show(value) -> str:
    """A short description of a bad value for an error message (never the whole of a huge one)."""
    if isinstance(value, (dict, list)):
        return "an object" if isinstance(value, dict) else "a list"
    shown = "null" if value is None else json.dumps(value) if isinstance(value, (bool, str)) else repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


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
    def from_dict(cls, d) -> AlignedRecord:
        """The record a JSON object describes; FieldError for a missing field or a wrong value."""
        if not isinstance(d, dict):
            raise FieldError("not a JSON object; each line must be one aligned record")
        for key in ("paragraph", "sentence", "source", "target"):
            if key not in d:
                raise FieldError(f"record lacks field {key!r}")
        score = d.get("score")
        return cls(
            paragraph=whole_number(d["paragraph"], "paragraph"),
            sentence=whole_number(d["sentence"], "sentence"),
            source=text(d["source"], "source"),
            target=text(d["target"], "target"),
            parts=whole_number(d.get("parts", 1), "parts"),
            degenerate=flag(d.get("degenerate", False), "degenerate"),
            score=None if score is None else finite_number(score, "score"),
            source_raw=optional_text(d.get("source_raw"), "source_raw"),
            target_raw=optional_text(d.get("target_raw"), "target_raw"),
        )


def write_jsonl(records: list[AlignedRecord]) -> str:
    """The text of an aligned.jsonl file (one record per line, final newline)."""
    return "".join(r.to_json() + "\n" for r in records)


def _no_constant(name: str):
    raise FieldError(f"{name} is not a valid JSON value")


def json_lines(path: str | Path) -> Iterator[tuple[int, object]]:
    """(line number, value) for each non-blank line of a JSON Lines file.

    The one JSON Lines reader: a line that is not UTF-8, not JSON, nested too deeply or holding
    NaN/Infinity is an InputError naming FILE:LINE.
    """
    path = Path(path)
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        raise InputError(f"{path} does not exist") from None
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror}") from None
    with f:
        for n, raw in enumerate(f, 1):
            if n == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise InputError(f"{path}:{n}: not UTF-8 text (bad byte at column {e.start + 1}); "
                                 f"fix or remove that line") from None
            if not line.strip():
                continue
            try:
                value = json.loads(line, parse_constant=_no_constant)
            except json.JSONDecodeError as e:
                raise InputError(f"{path}:{n}: not valid JSON ({e.msg}); fix or remove that line") from None
            except FieldError as e:
                raise InputError(f"{path}:{n}: {e}; fix or remove that line") from None
            except ValueError:  # Python refuses to read integers of more than 4300 digits
                raise InputError(f"{path}:{n}: holds a number too long to read; fix or remove that line"
                                 ) from None
            except RecursionError:
                raise InputError(f"{path}:{n}: JSON nested too deeply; fix or remove that line") from None
            yield n, value


def read_records(path: str | Path) -> Iterator[AlignedRecord]:
    """The records of one aligned.jsonl file, streamed; a bad line is an InputError naming FILE:LINE."""
    for n, value in json_lines(path):
        try:
            yield AlignedRecord.from_dict(value)
        except FieldError as e:
            raise InputError(f"{path}:{n}: {e}; expected an aligned record") from None
