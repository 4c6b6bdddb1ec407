"""mt.document: the one reader of articles (encodings, line ends, paragraphs, names) as input/expected."""

from __future__ import annotations

import io
import sys

import pytest

from mt.document import Paragraph, article_name, parse_article, read_article
from mt.errors import InputError

# raw bytes of a file -> its lines (blank ones kept, so indexes stay the file's line numbers)
LINES = [
    (b"Uno.\nDue.\n", ["Uno.", "Due."]),
    (b"Uno.\nDue.", ["Uno.", "Due."]),  # no final newline: the same lines
    (b"Uno.\r\nDue.\r\n", ["Uno.", "Due."]),
    (b"Uno.\rDue.\r", ["Uno.", "Due."]),
    (b"\xef\xbb\xbfUno.\n", ["Uno."]),  # a BOM is dropped
    (b"Uno.\n\n  \nDue.\n", ["Uno.", "", "  ", "Due."]),
    (b"\n\nUno.\n\n", ["", "", "Uno.", ""]),
    (b"", []),
    (b"\n", [""]),
    ("Città è più bella.\n".encode(), ["Città è più bella."]),
]


@pytest.mark.parametrize("raw,lines", LINES)
def test_lines_of_a_file(tmp_path, raw, lines):
    path = tmp_path / "a.txt"
    path.write_bytes(raw)
    doc = read_article(path)
    assert (doc.name, doc.lines) == (str(path), lines)
    assert parse_article(raw.decode("utf-8"), "x").lines == lines  # text already in memory: the same


def test_paragraphs_keep_their_line_numbers():
    doc = parse_article("Titolo\n\nPrimo paragrafo.\n   \nSecondo.\n")
    assert doc.paragraphs == [Paragraph(0, "Titolo"), Paragraph(2, "Primo paragrafo."),
                              Paragraph(4, "Secondo.")]


@pytest.mark.parametrize("raw,message", [
    (b"Caff\xe8 corretto.\n", "a.txt is not UTF-8 text (bad byte at offset 4); convert it first, e.g. iconv"),
    (b"ok\n\xff\xfe", "a.txt is not UTF-8 text (bad byte at offset 3)"),
])
def test_not_utf8_is_one_line_naming_the_file(tmp_path, raw, message):
    (tmp_path / "a.txt").write_bytes(raw)
    with pytest.raises(InputError) as e:
        read_article(tmp_path / "a.txt")
    assert message in str(e.value) and "\n" not in str(e.value)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match="nope.txt does not exist"):
        read_article(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="is a folder, not a text file"):
        read_article(tmp_path)


def test_standard_input(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"\xef\xbb\xbfUno.\r\nDue.\n")))
    doc = read_article("-")
    assert (doc.name, doc.lines) == ("<stdin>", ["Uno.", "Due."])


@pytest.mark.parametrize("filename,name", [
    ("news.txt", "news"), ("news.it.txt", "news"), ("news.en.txt", "news"), ("2024/a.it.txt", "2024/a"),
    ("news.fr.txt", "news.fr"), ("v1.2.txt", "v1.2"), ("news", "news"),
])
def test_article_names(filename, name):
    assert article_name(filename) == name
