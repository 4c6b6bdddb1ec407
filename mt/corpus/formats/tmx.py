"""TMX 1.4: one `<tu>` per row, `<tuv xml:lang="it|en"><seg>`, the other columns as `<prop>`s.

Written with XML escaping; read with a streaming pull parser that drops each `<tu>` once used, fed
line by line so an error can name its line.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

from mt import __version__
from mt.corpus.dataset import Row
from mt.corpus.formats.base import CorpusFormat, atomic_paths, register_format
from mt.errors import InputError

log = logging.getLogger(__name__)
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Characters XML 1.0 cannot carry at all, even escaped.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
WHOLE_NUMBER = re.compile(r"[0-9]{1,12}")
# Columns kept as <prop type="…">, in this order (`id` goes in the tuid attribute).
PROPS = ("split", "doc_id", "origin", "paragraph", "sentence", "score", "parts", "degenerate",
         "it_raw", "en_raw")


def _text(value: str) -> tuple[str, int]:
    """Escaped element text; CR as a character reference, since XML parsers turn a bare CR into LF."""
    value, bad = NOT_XML.subn("", value)
    return escape(value).replace("\r", "&#13;"), bad


@register_format
class TmxFormat(CorpusFormat):
    name = "tmx"
    title = "TMX"
    extensions = (".tmx",)

    def write(self, rows: Iterable[tuple[str, Row]], path: Path) -> int:
        n = dropped = 0
        with atomic_paths([path]) as (tmp,), open(tmp, "w", encoding="utf-8", newline="\n") as f:
            f.write('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n'
                    f'  <header creationtool="mt" creationtoolversion="{__version__}" '
                    'datatype="plaintext" segtype="sentence" adminlang="en" srclang="it" o-tmf="mt"/>\n'
                    "  <body>\n")
            for split, row in rows:
                values = {**row, "split": split}
                props = []
                for key in PROPS:
                    value = values[key]
                    if value is None:
                        continue
                    text, bad = _text(str(value).lower() if isinstance(value, bool) else str(value))
                    dropped += bad
                    props.append(f'<prop type="{key}">{text}</prop>')
                it, bad_it = _text(row["it"])
                en, bad_en = _text(row["en"])
                dropped += bad_it + bad_en
                f.write(f"    <tu tuid={quoteattr(row['id'])}>\n      {''.join(props)}\n"
                        f'      <tuv xml:lang="it"><seg>{it}</seg></tuv>\n'
                        f'      <tuv xml:lang="en"><seg>{en}</seg></tuv>\n    </tu>\n')
                n += 1
            f.write("  </body>\n</tmx>\n")
        if dropped:
            log.warning("%d control character(s) that XML cannot hold were left out", dropped)
        return n

    def read(self, path: Path) -> Iterator[tuple[str, dict]]:
        parser = ET.XMLPullParser(events=("start", "end"))
        body = None
        count = line = 0
        try:
            with open(path, "rb") as f:
                for line, chunk in enumerate(f, 1):
                    parser.feed(chunk)
                    for event, elem in parser.read_events():
                        if event == "start":
                            if count == 0 and body is None and elem.tag not in ("tmx", "header", "body"):
                                raise InputError(f"{path}:{line}: <{elem.tag}> where TMX expects "
                                                 f"<tmx>, <header> or <body>; is this a TMX file?")
                            if elem.tag == "body":
                                body = elem
                        elif elem.tag == "tu":
                            count += 1
                            yield f"{path}:{line}", _tu_fields(elem, f"{path}:{line}")
                            # the <tu> is used: drop it so memory stays flat over millions of them
                            if body is not None:
                                body.clear()
                parser.close()
        except ET.ParseError as e:
            where = e.position[0] if e.position else line
            raise InputError(f"{path}:{where}: not well-formed XML ({e}); fix the file or export it "
                             f"again") from None
        if body is None:
            raise InputError(f"{path}: no <body> element; is this a TMX file?")


def _lang(tuv: ET.Element) -> str:
    lang = tuv.get(XML_LANG) or tuv.get("lang") or ""
    return lang.lower().replace("_", "-").split("-")[0]


def _prop_value(key: str, value: str):
    """A prop's text as the type its column has, where it is written as `write` writes it; anything
    else stays text, for the row check to refuse with the field's name."""
    if key in ("paragraph", "sentence", "parts") and WHOLE_NUMBER.fullmatch(value):
        return int(value)
    if key == "degenerate" and value in ("true", "false"):
        return value == "true"
    if key == "score":
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _tu_fields(tu: ET.Element, where: str) -> dict:
    fields: dict = {}
    if tu.get("tuid") is not None:
        fields["id"] = tu.get("tuid")
    for child in tu:
        if child.tag == "prop" and child.get("type"):
            fields[child.get("type")] = _prop_value(child.get("type"), child.text or "")
        elif child.tag == "tuv":
            lang = _lang(child)
            seg = child.find("seg")
            if lang in ("it", "en") and seg is not None:
                fields[lang] = "".join(seg.itertext())
    for lang in ("it", "en"):
        if lang not in fields:
            raise InputError(f"{where}: <tu> has no <tuv xml:lang=\"{lang}\"><seg>; "
                             f"each translation unit needs an Italian and an English segment")
    return fields
