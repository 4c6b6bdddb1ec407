"""The bilingual corpus: sentence alignment of article pairs, corpus building and export formats.

Submodules load on use (`mt.corpus.align`, `mt.corpus.build`, …); nothing heavy is imported here.
"""
