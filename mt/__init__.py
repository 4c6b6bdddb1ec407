"""mt: translate Italian news articles into English with MarianMT, evaluate, fix, and build a corpus.

The public API; heavy libraries (torch, transformers, ctranslate2, datasets) load only when used.
"""

from __future__ import annotations

import importlib
import sys
import types

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


class _Api(types.ModuleType):
    """`mt.segment` and `mt.evaluate` are both functions of the API and subpackages. Importing a
    subpackage makes Python set it as an attribute of `mt`, which would hide the function; this module
    type keeps the API names for the functions (the subpackages stay reachable through sys.modules)."""

    def __getattr__(self, name: str):
        if name in _LAZY:
            value = getattr(importlib.import_module(_LAZY[name]), name)
            types.ModuleType.__setattr__(self, name, value)
            return value
        raise AttributeError(f"module 'mt' has no attribute {name!r}")

    def __setattr__(self, name: str, value) -> None:
        if name in _LAZY and isinstance(value, types.ModuleType):
            return  # a subpackage being imported: the API name stays the function's
        types.ModuleType.__setattr__(self, name, value)


sys.modules[__name__].__class__ = _Api
