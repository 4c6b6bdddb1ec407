"""Sentence segmentation for Italian and English paragraphs: `segment(text, lang) -> [Sentence]`.

Language knowledge (abbreviations, sentence starters) lives in data/ text files, one registry
entry per language.
"""

from mt.segment.core import Segmenter, Sentence, segment
from mt.segment.languages import languages

__all__ = ["Segmenter", "Sentence", "languages", "segment"]
