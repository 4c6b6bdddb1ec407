"""The sentence segmenter: one regex pass finds candidate ends, a few rules decide each one.

Rules are language-neutral; what differs between languages (abbreviations, sentence starters) is data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mt.segment.languages import END, FINAL, NUMBER, PREFIX, Language, get_language

CLOSERS = "»”’\"')]"
OPENERS = "«“‘\"'([¿¡–—-"

# A run of terminators, the quotes/brackets that close with it, then whitespace and the next character.
_CANDIDATE = re.compile(
    rf"(?P<term>[.!?…]+)(?P<close>[{re.escape(CLOSERS)}]*)(?=\s+(?P<next>\S))"
)
# After the whitespace: opening punctuation, then the first character that decides. A list dash or a
# quote may stand apart from its word ("- Il programma", '" E' un cambiamento').
_NEXT = re.compile(
    rf"(?:[{re.escape(OPENERS)}]\s+)?[{re.escape(OPENERS)}]*(?P<word>(?P<first>\w)[\w'’]*)?(?P<after>.?)",
    re.S,
)
_NEXT_WORD = re.compile(r"\s+(\w)")
_WORDS_AHEAD = re.compile(r"\w+(?:\s+\w+){1,2}")
_ELISION = re.compile(r"\w+['’]")
_ROMAN = re.compile(r"[IVXLCDM]+\b")
# The word just before a full stop: split off what opens it (brackets, quotes, elided article "dell’").
_TOKEN_START = re.compile(rf"[{re.escape(OPENERS)}’/]+")
# Verse quoted inline, lines separated by " / ", before the next sentence end.
_VERSE = re.compile(r"[^.!?…]*? / ")
_SHORT_PARTS = re.compile(r"[^\W\d_]{1,2}(?:\.[^\W\d_]{1,2})+")


@dataclass(frozen=True)
class Sentence:
    """A sentence of a paragraph: `text == paragraph[start:end]`, no surrounding whitespace."""

    start: int
    end: int
    text: str


class Segmenter:
    """Splits paragraphs of one language into sentences."""

    def __init__(self, lang: str = "it"):
        self.lang = lang
        self.language: Language = get_language(lang)

    def boundaries(self, text: str) -> list[int]:
        """Offsets just after each sentence end inside `text` (the paragraph end excluded)."""
        ends = []
        for m in _CANDIDATE.finditer(text):
            if self._is_boundary(text, m):
                ends.append(m.end())
        return ends

    def segment(self, text: str) -> list[Sentence]:
        sentences = []
        start = 0
        for end in [*self.boundaries(text), len(text)]:
            piece = text[start:end]
            lead = len(piece) - len(piece.lstrip())
            trimmed = piece.strip()
            if trimmed:
                s = start + lead
                sentences.append(Sentence(s, s + len(trimmed), trimmed))
            start = end
        return sentences

    def _is_boundary(self, text: str, m: re.Match) -> bool:
        nxt = _NEXT.match(text, m.start("next"))
        first = nxt["first"]
        if first is None or (first.islower() and not nxt["word"][1:2].isupper()):
            # Lowercase goes on the sentence ("Chi sei?» chiese"); so does a symbol we cannot judge.
            # A brand written "iPhone" or "eBay" starts a sentence as a capital would.
            return False
        upper = first.isupper() or first.islower()  # a letter: a capital or a brand like "iPhone"
        term = m["term"]
        if "…" in term or ".." in term:
            # "(...)" and "[…]" mark a cut in a quotation, not an end.
            return upper and text[m.start() - 1 : m.start()] not in ("(", "[")
        if term != ".":
            # '"Get out!" Hammel added.': a quotation with its speaker after it is one sentence.
            return not (m["close"] and self._speaker_follows(text, nxt))
        if _VERSE.match(text, m.end()):
            # Inline verse ("Ei fu. Siccome immobile / dato il mortal sospiro / ...") is quoted whole.
            return False
        token = self._token_before(text, m.start())
        if not token:
            return True
        if token.isdigit() and len(token) <= 2 and self._starts_item(text, m.start() - len(token)):
            return False  # "... Hofbräuhaus. 1. Notti insonni": a numbered item starts here
        if len(token) == 1 and token.isupper():
            # An initial (G. Rossi) unless a sentence plainly starts, and not "G. La Pira".
            if nxt["word"] in self.language.particles and _capitalised_after(text, nxt):
                return False
            return self._starts_sentence(nxt)
        kind = self.language.abbreviations.get(token.lower())
        if kind == PREFIX:
            return False
        if kind == NUMBER:
            return not (first.isdigit() or _ROMAN.match(nxt["word"]))
        if kind == END:
            return True  # "nel 14 d.C. Tiberio ...": it closes a date, whatever word follows
        if kind == FINAL or _SHORT_PARTS.fullmatch(token):
            return self._starts_sentence(nxt)
        return True

    def _starts_item(self, text: str, pos: int) -> bool:
        """Whether `pos` starts the paragraph or follows a finished sentence (a list number goes there).

        The stop of an abbreviation finishes nothing: "l'art. 6." and "p. 45." end in a number, not an item.
        """
        if pos and not text[pos - 1].isspace():
            return False  # "negli anni '80." and "anni’80.": a number inside a word is no list number
        window = max(0, pos - 100)
        before = text[window:pos].rstrip()
        if not before:
            return not text[:pos].strip()
        if before[-1] == ".":
            token = self._token_before(text, window + len(before) - 1)
            if token.lower() in self.language.abbreviations or _SHORT_PARTS.fullmatch(token):
                return False
        return before[-1] in ".!?…:;" + CLOSERS

    def _speaker_follows(self, text: str, nxt: re.Match) -> bool:
        """Whether the next words are a name (one or two capitalised words) and a verb of saying."""
        words = _WORDS_AHEAD.match(text, nxt.start("word"))
        if not words:
            return False
        name = words[0].split()
        if name[0] in self.language.starters:
            return False  # '"Why?" She said nothing.': a pronoun would be lowercase in an attribution
        following = name[1:]
        for i, word in enumerate(following):
            if word in self.language.speech_verbs:
                return True
            if i == 1 or not word[:1].isupper():
                return False
        return False

    def _starts_sentence(self, nxt: re.Match) -> bool:
        word = nxt["word"]
        if not word or nxt["after"] == ".":
            return False  # "G. E. Rossi": a following initial is no sentence starter
        elided = _ELISION.match(word)  # "L’Italia" starts like "L’"
        return word in self.language.starters or bool(elided and elided[0] in self.language.starters)

    @staticmethod
    def _token_before(text: str, end: int) -> str:
        window = max(0, end - 100)
        words = text[max(window, text.rfind(" ", window, end)) : end]
        if not words or words[-1].isspace():
            return ""
        # split() also catches tabs and no-break or thin spaces inside the window.
        parts = _TOKEN_START.split(words.split()[-1])
        return parts[-1]


def _capitalised_after(text: str, nxt: re.Match) -> bool:
    """Whether the word after `nxt`'s word is capitalised (a name like "La Pira")."""
    m = _NEXT_WORD.match(text, nxt.end("word"))
    return bool(m) and m[1].isupper()


_SEGMENTERS: dict[str, Segmenter] = {}


def segment(text: str, lang: str = "it") -> list[Sentence]:
    """Split ONE paragraph into sentences; offsets index into `text`."""
    seg = _SEGMENTERS.get(lang)
    if seg is None:
        seg = _SEGMENTERS[lang] = Segmenter(lang)
    return seg.segment(text)
