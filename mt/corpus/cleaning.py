"""Corpus cleaning: the filters `mt corpus build` applies to each pair, each switchable and counted.

Rules (checked in this order; a dropped pair counts under the first rule that drops it):
- empty: either side is empty or only whitespace (this drops the 1:0 and 0:1 beads of an alignment);
- identical: both sides are the same text after trimming (untranslated copies, numbers, names);
- length_ratio: the longer side has at least MIN_RATIO_CHARS characters and is more than MAX_RATIO
  times as long (in characters) as the shorter one (very short pairs such as "Sì." / "Yes, indeed."
  vary too much to judge);
- duplicate: the same (it, en) pair was already kept; one 8-byte hash per kept pair is remembered,
  so this stays cheap over millions of pairs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

MAX_RATIO = 3.0
MIN_RATIO_CHARS = 20

RULES = {
    "empty": "either side empty or whitespace only (includes 1:0 and 0:1 beads)",
    "identical": "both sides the same text after trimming",
    "length_ratio": (
        f"character-length ratio above {MAX_RATIO:g} or below 1/{MAX_RATIO:g}, "
        f"when the longer side has at least {MIN_RATIO_CHARS} characters"
    ),
    "duplicate": "the same (it, en) pair already kept earlier in the build",
}


@dataclass
class Cleaner:
    """Decides per pair whether to keep it, and counts what each rule dropped."""

    empty: bool = True
    identical: bool = True
    length_ratio: bool = True
    duplicate: bool = True
    dropped: dict[str, int] = field(default_factory=dict)
    _seen: set[int] = field(default_factory=set, repr=False)

    @classmethod
    def off(cls) -> Cleaner:
        return cls(empty=False, identical=False, length_ratio=False, duplicate=False)

    @property
    def enabled(self) -> list[str]:
        return [name for name in RULES if getattr(self, name)]

    def check(self, it: str, en: str) -> str | None:
        """The rule that drops this pair, or None to keep it (a kept pair is remembered)."""
        reason = self._reason(it, en)
        if reason is not None:
            self.dropped[reason] = self.dropped.get(reason, 0) + 1
        return reason

    def _reason(self, it: str, en: str) -> str | None:
        a, b = it.strip(), en.strip()
        if self.empty and (not a or not b):
            return "empty"
        if self.identical and a == b:
            return "identical"
        if self.length_ratio:
            short, long_ = sorted((len(a), len(b)))
            if long_ >= MIN_RATIO_CHARS and long_ > MAX_RATIO * short:
                return "length_ratio"
        if self.duplicate:
            key = hashlib.blake2b(f"{it}\0{en}".encode(), digest_size=8).digest()
            h = int.from_bytes(key, "little")
            if h in self._seen:
                return "duplicate"
            self._seen.add(h)
        return None
