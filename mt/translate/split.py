"""Clause splitting: a sentence longer than the model's input limit is cut into parts that fit.

Cuts go after `;`, then `:`, then `,`, and only as a last resort between words; nothing is truncated.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# strongest clause boundary first; each pattern cuts after the punctuation, before the space
BOUNDARIES = [re.compile(p) for p in (r"(?<=;)\s+", r"(?<=:)\s+", r"(?<=,)\s+", r"\s+")]


def split_long(text: str, count: Callable[[str], int], limit: int) -> list[str]:
    """Parts of `text` of at most `limit` tokens each; joined by single spaces they give the text back
    (up to whitespace), except inside a word so long that it alone exceeds the limit.

    `count` gives a text's length in model tokens. Consecutive clauses are packed into as few parts
    as fit; a single word longer than the limit is cut by characters.
    """
    if count(text) <= limit:
        return [text]
    return _split(text, count, limit, 0)


def _split(text: str, count: Callable[[str], int], limit: int, level: int) -> list[str]:
    if count(text) <= limit:
        return [text]
    if level == len(BOUNDARIES):
        return _cut_word(text, count, limit)
    pieces = [p for p in BOUNDARIES[level].split(text) if p]
    if len(pieces) == 1:
        return _split(text, count, limit, level + 1)
    parts: list[str] = []
    for piece in pieces:
        if parts and count(parts[-1] + " " + piece) <= limit:
            parts[-1] = parts[-1] + " " + piece
        elif count(piece) <= limit:
            parts.append(piece)
        else:
            parts.extend(_split(piece, count, limit, level + 1))
    return parts


def _cut_word(text: str, count: Callable[[str], int], limit: int) -> list[str]:
    parts: list[str] = []
    while text:
        n = len(text)
        while n > 1 and count(text[:n]) > limit:
            n = max(1, n * 3 // 4)
        parts.append(text[:n])
        text = text[n:]
    return parts
