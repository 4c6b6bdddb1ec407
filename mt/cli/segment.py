"""`mt segment FILE [--jsonl] [--lang it|en]`: split an article into sentences.

One sentence per line with a blank line between paragraphs, or one JSON record per sentence.
"""

from __future__ import annotations

import json
import sys

from mt.document import read_article
from mt.segment import Segmenter, languages


def add_parser(sub) -> None:
    p = sub.add_parser(
        "segment",
        help="split an article (one paragraph per line) into sentences",
        description="Split an article, one paragraph per line, into sentences. "
        "Blank lines are skipped; a heading line is its own paragraph.",
    )
    p.add_argument("file", help="article text file (UTF-8); - reads standard input")
    p.add_argument(
        "--jsonl",
        action="store_true",
        help='one JSON record per sentence: {"paragraph", "sentence", "start", "end", "text"} '
        "(0-based; paragraph = line number in the file; start/end = offsets in that line)",
    )
    p.add_argument("--lang", default="it", choices=languages(), help="language of the text (default: it)")
    p.set_defaults(func=run)


def run(args) -> int:
    doc = read_article(args.file)
    segmenter = Segmenter(args.lang)
    out = []
    for paragraph in doc.paragraphs:
        sentences = segmenter.segment(paragraph.text)
        if args.jsonl:
            for i, s in enumerate(sentences):
                record = {"paragraph": paragraph.index, "sentence": i,
                          "start": s.start, "end": s.end, "text": s.text}
                out.append(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            if out:
                out.append("\n")
            out.extend(s.text + "\n" for s in sentences)
    sys.stdout.write("".join(out))
    sys.stdout.flush()
    return 0
