"""Moses plain text: two line-aligned files, `PATH.it` and `PATH.en`, one segment per line.

Only the text travels: import puts every pair in `train` with `doc_id` = the file name. A line break
inside a segment cannot be written, so export turns it into a space (and warns how often).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from mt.corpus.dataset import Row
from mt.corpus.formats.base import CorpusFormat, atomic_paths, register_format
from mt.errors import InputError

log = logging.getLogger(__name__)
LINE_BREAK = re.compile(r"\r\n|[\r\n]")


def moses_base(path: Path) -> Path:
    """`corpus.it`, `corpus.en` and `corpus` all name the pair `corpus.{it,en}`."""
    return path.with_suffix("") if path.suffix in (".it", ".en") else path


@register_format
class MosesFormat(CorpusFormat):
    name = "moses"
    title = "Moses"
    extensions = (".it", ".en")
    loses = ("split", "id", "doc_id", "paragraph", "sentence", "origin", "score", "parts", "degenerate",
             "it_raw", "en_raw")

    def claims(self, path: Path) -> bool:
        return super().claims(path) or path.with_name(path.name + ".it").is_file()

    def outputs(self, path: Path) -> list[Path]:
        base = moses_base(path)
        return [base.with_name(base.name + ".it"), base.with_name(base.name + ".en")]

    def write(self, rows: Iterable[tuple[str, Row]], path: Path) -> int:
        n = broken = 0
        with atomic_paths(self.outputs(path)) as (tmp_it, tmp_en), \
                open(tmp_it, "w", encoding="utf-8", newline="\n") as f_it, \
                open(tmp_en, "w", encoding="utf-8", newline="\n") as f_en:
            for _split, row in rows:
                it, k_it = LINE_BREAK.subn(" ", row["it"])
                en, k_en = LINE_BREAK.subn(" ", row["en"])
                broken += bool(k_it or k_en)
                f_it.write(it + "\n")
                f_en.write(en + "\n")
                n += 1
        if broken:
            log.warning("%d pair(s) had line breaks inside a segment; written as spaces", broken)
        return n

    def read(self, path: Path) -> Iterator[tuple[str, dict]]:
        it_path, en_path = self.outputs(path)
        for p in (it_path, en_path):
            if not p.is_file():
                raise InputError(f"{p} does not exist; Moses import needs both {it_path.name} and "
                                 f"{en_path.name}")
        doc_id = moses_base(path).name
        with open(it_path, "rb") as f_it, open(en_path, "rb") as f_en:
            n = 0
            while True:
                it, en = f_it.readline(), f_en.readline()
                n += 1
                if not it and not en:
                    return
                if not it or not en:
                    short, long_ = (it_path, en_path) if not it else (en_path, it_path)
                    raise InputError(f"{long_}:{n}: has no matching line in {short}, which ends at "
                                     f"line {n - 1}; the two files must have the same number of lines")
                yield f"{it_path}:{n}", {
                    "it": _line(it, it_path, n),
                    "en": _line(en, en_path, n),
                    "split": "train",
                    "doc_id": doc_id,
                }


def _line(raw: bytes, path: Path, n: int) -> str:
    try:
        return raw.decode("utf-8").rstrip("\n").removesuffix("\r")
    except UnicodeDecodeError as e:
        raise InputError(f"{path}:{n}: not UTF-8 text (bad byte at column {e.start + 1}); "
                         f"convert the file first, e.g. iconv -f latin1 -t utf-8") from None
