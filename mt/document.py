"""Reading articles: one paragraph per line, UTF-8 with or without BOM, LF or CRLF.

The one reader of article text in the project; every module that reads an article calls `read_article`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from mt.errors import InputError


@dataclass(frozen=True)
class Paragraph:
    """A non-blank line of an article; `index` is its 0-based line number in the file."""

    index: int
    text: str


@dataclass(frozen=True)
class Document:
    """An article as its lines (blank ones included, so line numbers stay those of the file)."""

    name: str
    lines: list[str]

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [Paragraph(i, line) for i, line in enumerate(self.lines) if line.strip()]


LANGUAGE_SUFFIXES = ("it", "en")


def article_name(filename: str) -> str:
    """The name an article file is matched by: `NAME.txt`, `NAME.it.txt` and `NAME.en.txt` all give NAME.

    A relative path keeps its folders (`REL/NAME.it.txt` gives `REL/NAME`).
    """
    base = filename[: -len(".txt")] if filename.endswith(".txt") else filename
    stem, dot, lang = base.rpartition(".")
    return stem if dot and lang in LANGUAGE_SUFFIXES else base


def decode_text(data: bytes, name: str) -> str:
    """Decode UTF-8 (a BOM is dropped); anything else is an InputError naming the file."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(
            f"{name} is not UTF-8 text (bad byte at offset {e.start}); "
            f"convert it first, e.g. iconv -f latin1 -t utf-8"
        ) from None


def split_lines(text: str) -> list[str]:
    """Split on LF, CRLF or CR; a final newline does not make an extra empty line."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def parse_article(text: str, name: str = "<text>") -> Document:
    """An article from text already in memory."""
    if text.startswith("\ufeff"):
        text = text[1:]
    return Document(name=name, lines=split_lines(text))


def read_article(path: str | Path) -> Document:
    """Read an article file (`-` is standard input)."""
    if str(path) == "-":
        return Document(name="<stdin>", lines=split_lines(decode_text(sys.stdin.buffer.read(), "<stdin>")))
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{p} is a folder, not a text file")
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{p} does not exist") from None
    except OSError as e:
        raise InputError(f"cannot read {p}: {e.strerror}") from None
    return Document(name=str(p), lines=split_lines(decode_text(data, str(p))))
