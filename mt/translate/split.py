"""Clause splitting: a sentence longer than the model's input limit is cut into parts that fit.

Cuts go after `;`, then `:`, then `,`, then between words, and only as a last resort inside a word.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from mt.errors import InputError

# strongest clause boundary first; each pattern cuts after the punctuation, before the space
BOUNDARIES = [re.compile(p) for p in (r"(?<=;)\s+", r"(?<=:)\s+", r"(?<=,)\s+", r"\s+")]
# a "sentence" longer than this many model inputs is a table or a data dump, not prose: translating it
# part by part would hold a run for many minutes (a 5 MB line is ~3,000 inputs), so it is refused
MAX_PARTS = 32
# token counts of word prefixes are not monotone (a longer prefix may take fewer pieces), so a cut
# inside a word still tries prefixes up to this many times the longest one found to fit
OVERSHOOT = 2


def split_long(text: str, count: Callable[[str], int], limit: int, most: int | None = None) -> list[str]:
    """Parts of `text` of at most `limit` tokens each; joined by single spaces they give the text back
    (up to whitespace), except inside a word so long that it alone exceeds the limit.

    `count` gives a text's length in model tokens. Consecutive clauses are packed into as few parts
    as fit; a single word longer than the limit is cut by characters. Time is linear in the text's
    length: each count covers about one part, whatever the text's size. A text over `most` tokens
    raises InputError.
    """
    tokens = count(text)
    if tokens <= limit:
        return [text]
    if most is not None and tokens > most:
        raise InputError(f"a sentence of {tokens:,} tokens is longer than the {most:,} translated as one "
                         f"({most // limit} model inputs): \"{text[:40]}…\"; "
                         f"break it into lines or sentences")
    return _split(text, count, limit, 0)


def _split(text: str, count: Callable[[str], int], limit: int, level: int) -> list[str]:
    """`text` does not fit: pack its pieces at this boundary level, splitting further what is too long."""
    if level == len(BOUNDARIES):
        return _cut_word(text, count, limit)
    pieces = [p for p in BOUNDARIES[level].split(text) if p]
    if len(pieces) == 1:
        return _split(text, count, limit, level + 1)
    parts: list[str] = []
    guess = 1
    i = 0
    while i < len(pieces):
        piece = pieces[i]
        # a long piece is counted on its own first, so that no packing search counts it again and again
        if len(piece) > limit and count(piece) > limit:
            parts.extend(_split(piece, count, limit, level + 1))
            i += 1
            continue
        # as many pieces as fit, searched rather than added one by one: adding one piece at a time
        # would re-count the growing part for every piece
        if parts:
            taken = _fitting(count, limit, parts[-1] + " ", pieces, i, 1)
            if taken:
                parts[-1] = parts[-1] + " " + " ".join(pieces[i:i + taken])
                i += taken
                continue
        taken = _fitting(count, limit, "", pieces, i, guess)
        if not taken:
            parts.extend(_split(piece, count, limit, level + 1))
            i += 1
            continue
        parts.append(" ".join(pieces[i:i + taken]))
        i += taken
        guess = taken
    return parts


def _fitting(count: Callable[[str], int], limit: int, head: str, pieces: list[str], start: int,
             guess: int) -> int:
    """How many pieces from `start` on fit after `head` (joined by spaces)."""
    return _largest(lambda k: count(head + " ".join(pieces[start:start + k])), limit, len(pieces) - start,
                    guess)


def _cut_word(text: str, count: Callable[[str], int], limit: int) -> list[str]:
    """Cuts by characters a text with no space that does not fit; each part is at least one character."""
    parts: list[str] = []
    guess = limit  # a token covers one character or more
    start = 0
    while start < len(text):
        most = _fitting_prefix(count, limit, text, start, guess)
        # cut where earlier versions did, so outputs stay the same: the first of the rest's length times
        # 1, 3/4, 9/16... that fits; those over `most` are skipped uncounted, as counting them made
        # cutting quadratic
        n = len(text) - start
        while n > 1 and n > OVERSHOOT * max(most, 1):
            n = max(1, n * 3 // 4)
        while n > 1 and count(text[start:start + n]) > limit:
            n = max(1, n * 3 // 4)
        parts.append(text[start:start + n])
        start += n
        guess = max(most, 1)
    return parts


def _fitting_prefix(count: Callable[[str], int], limit: int, text: str, start: int, guess: int) -> int:
    """How many characters of `text` from `start` on fit."""
    return _largest(lambda n: count(text[start:start + n]), limit, len(text) - start, guess)


def _largest(measure: Callable[[int], int], limit: int, most: int, guess: int) -> int:
    """The largest k in 0..most with measure(k) <= limit, taking the measure as growing with k.

    The measure grows about linearly with k, so each probe aims where it should meet the limit (a good
    guess, the previous part's size, costs two or three calls); after a few probes the search bisects,
    so an uneven text still costs only log calls, none for much more than twice the answer.
    """
    if most < 1:
        return 0
    lo, hi = 0, most + 1  # measure(lo) fits (0 is taken to), measure(hi) does not (most + 1: past the end)
    k = min(max(guess, 1), most)
    probes = 0
    while True:
        measured = measure(k)
        if measured <= limit:
            lo = k
        else:
            hi = k
        if hi - lo <= 1:
            return lo
        probes += 1
        if probes <= 4 and measured > 0:
            k = k * limit // measured
        else:
            k = (lo + hi) // 2 if hi <= most else lo * 2
        k = min(max(k, lo + 1), hi - 1)
