"""The repetition guard: spotting the MarianMT failure where an output repeats an n-gram over and over.

`looks_degenerate` is checked on every output; the Translator retries those with a repetition penalty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from mt.translate.backends import DecodeSettings

_WORD = re.compile(r"\w+|[^\w\s]")
# a letter four or more times in a row: no English word does that, looping subword models do ("Weeeee")
_LETTER_RUN = re.compile(r"([^\W\d_])\1{3,}")


@dataclass(frozen=True)
class Guard:
    """Thresholds: an n-gram (n <= max_n) repeated back to back this many times is a loop.

    Single words need more repeats than phrases, so "very, very" or "ha ha ha" pass.
    """

    max_n: int = 6
    word_repeats: int = 4
    phrase_repeats: int = 3
    # outputs this many times longer than the source (plus slack) are runaway generation
    length_ratio: float = 4.0
    length_slack: int = 12

    def looks_degenerate(self, text: str, source: str | None = None, ids: list[int] | None = None) -> bool:
        """Checks words, letters and (when given) the output token ids; `source` enables the length check."""
        words = [w.lower() for w in _WORD.findall(text)]
        if repeated_ngram(words, self.max_n, self.word_repeats, self.phrase_repeats):
            return True
        if _LETTER_RUN.search(text):
            return True
        if ids is not None and repeated_ngram(ids, self.max_n, self.word_repeats, self.phrase_repeats):
            return True
        if source is not None:
            limit = self.length_ratio * len(_WORD.findall(source)) + self.length_slack
            return len(words) > limit
        return False

    def retry_settings(self, settings: DecodeSettings) -> DecodeSettings:
        """The settings for a second try: penalise repeats and forbid repeated trigrams."""
        return replace(settings, repetition_penalty=1.3, no_repeat_ngram_size=3)


def repeated_ngram(tokens: list, max_n: int = 6, word_repeats: int = 4,
                   phrase_repeats: int = 3) -> tuple | None:
    """The first n-gram that occurs back to back the threshold number of times, or None."""
    for n in range(1, max_n + 1):
        need = word_repeats if n == 1 else phrase_repeats
        for i in range(len(tokens) - n * need + 1):
            gram = tokens[i:i + n]
            if all(tokens[i + k * n:i + (k + 1) * n] == gram for k in range(1, need)):
                return tuple(gram)
    return None


def looks_degenerate(text: str, source: str | None = None, ids: list[int] | None = None) -> bool:
    """True when `text` looks like a repetition loop (with the default thresholds)."""
    return Guard().looks_degenerate(text, source, ids)
