"""What a sentence offers as evidence of its translation: numbers, names, cognates, lexicon words, marks.

Italian and English sentences become bags of keys in one shared space, so matching keys mean shared content.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

from mt.corpus.lexicon import lexicon
from mt.wordlists import stopwords

# Weight of one shared key of each kind (the key's first character), in nats of evidence.
WEIGHTS = {"#": 2.0, "=": 1.0, "~": 1.0, "p": 0.5}

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+")
_MARKS = {"?": "p?", "!": "p!", ":": "p:", "(": "p(", "\"": 'p"', "“": 'p"', "”": 'p"', "«": 'p"',
          "»": 'p"', "„": 'p"', "%": "p%", "$": "p$", "€": "p€", "£": "p£"}
# Spelling differences that hide cognates: Italian doubles consonants and writes c/f/i where English
# has ch/ph/y (tecnologia/technology, pubblica/public, filosofia/philosophy).
_SKELETON_RULES = [(re.compile(r"ph"), "f"), (re.compile(r"th"), "t"), (re.compile(r"ch"), "c"),
                   (re.compile(r"[yj]"), "i"), (re.compile(r"k"), "c"), (re.compile(r"(.)\1"), r"\1")]
PREFIX = 4


def _plain(word: str) -> str:
    """Lower case without accents (città -> citta)."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=65536)
def _skeleton_key(word: str) -> str:
    s = _plain(word)
    for pattern, repl in _SKELETON_RULES:
        s = pattern.sub(repl, s)
    return "~" + s[:PREFIX]


def _word_keys(word: str, lang: str) -> list[str]:
    lower = word.lower()
    if lower in stopwords(lang):
        return []
    keys = []
    if len(word) >= 2 and word != lower:  # names and acronyms are usually written the same
        keys.append("=" + _plain(word))
    if len(lower) >= PREFIX:
        keys.append(_skeleton_key(lower))
    if lang == "it":
        keys.extend(_skeleton_key(en) for en in lexicon().get(lower, ()) if len(en) >= PREFIX)
    # One word is one piece of evidence, however many of its keys match.
    return list(dict.fromkeys(keys))


def sentence_keys(text: str, lang: str) -> Counter[str]:
    """The bag of keys of a sentence in `lang` ("it" or "en")."""
    keys: Counter[str] = Counter()
    for token in _TOKEN.findall(text):
        if token[0].isdigit():
            # 1.000 / 1,000 and 3,5 / 3.5: the two languages swap the separators, so drop them.
            keys["#" + re.sub(r"[.,]", "", token)] += 1
        else:
            keys.update(_word_keys(token, lang))
    for ch in text:
        mark = _MARKS.get(ch)
        if mark:
            keys[mark] += 1
    return keys


def shared_evidence(italian: Counter[str], english: Counter[str]) -> float:
    """Weighted size of the multiset intersection of two key bags."""
    if len(italian) > len(english):
        italian, english = english, italian
    total = 0.0
    for key, n in italian.items():
        m = english.get(key)
        if m:
            total += WEIGHTS[key[0]] * min(n, m)
    return total
