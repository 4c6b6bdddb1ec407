"""mt: translate Italian news articles into English with MarianMT, evaluate, fix, and build a corpus.

The public API; heavy libraries (torch, transformers, ctranslate2, datasets) load only when used.
"""

from __future__ import annotations

__version__ = "0.1.0"

_LAZY = {
    "segment": "mt.segment",
    "Segmenter": "mt.segment",
    "Sentence": "mt.segment",
    "read_article": "mt.document",
    "Document": "mt.document",
    "AlignedRecord": "mt.records",
    "Translator": "mt.translate",
    "translate_path": "mt.runs",
    "evaluate": "mt.evaluate",
    "load_rules": "mt.fixes",
    "apply_rules": "mt.fixes",
    "align": "mt.corpus.align",
    "build_corpus": "mt.corpus.build",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'mt' has no attribute {name!r}")
