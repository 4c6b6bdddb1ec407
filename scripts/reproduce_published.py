"""Reproduce the published OPUS-MT it-en scores with `mt.evaluate` and with sacrebleu directly.

Prints a table: for each test set, BLEU/chrF published, sacrebleu's corpus_score, and mt's numbers.
Usage: python scripts/reproduce_published.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import time

from public_data import add_data_option, require_data

# (test set, hypothesis, reference, published BLEU, published chrF) from shared/data/README.md
PUBLISHED = [
    ("newstest2009", "opus-mt-it-en-outputs/newstest2009.hyp.en", "newstest2009/en.txt", 33.48, 59.18),
    ("flores200-devtest", "opus-mt-it-en-outputs/flores200-devtest.hyp.en", "flores200-devtest/en.txt",
     29.47, 60.02),
]


def main() -> None:
    from sacrebleu.metrics import BLEU, CHRF, TER

    from mt.evaluate import evaluate

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_option(parser)
    args = parser.parse_args()
    data = args.data
    require_data(data, *(path for _, hyp, ref, _, _ in PUBLISHED for path in (hyp, ref)))
    header = f"{'test set':<18} {'metric':<7} {'published':>9} {'sacrebleu':>9} {'mt':>9} {'|mt-sb|':>8}"
    print(header)
    print("-" * len(header))
    for name, hyp, ref, bleu, chrf in PUBLISHED:
        hyps = (data / hyp).read_text(encoding="utf-8").splitlines()
        refs = [(data / ref).read_text(encoding="utf-8").splitlines()]
        start = time.perf_counter()
        ours = evaluate(data / hyp, data / ref).corpus.scores
        seconds = time.perf_counter() - start
        theirs = {
            "bleu": BLEU().corpus_score(hyps, refs).score,
            "chrf": CHRF().corpus_score(hyps, refs).score,
            "chrfpp": CHRF(word_order=2).corpus_score(hyps, refs).score,
            "ter": TER().corpus_score(hyps, refs).score,
        }
        published = {"bleu": bleu, "chrf": chrf}
        for key in ("bleu", "chrf", "chrfpp", "ter"):
            pub = f"{published[key]:9.2f}" if key in published else f"{'-':>9}"
            print(f"{name:<18} {key:<7} {pub} {theirs[key]:9.2f} {ours[key]:9.2f} "
                  f"{abs(ours[key] - theirs[key]):8.4f}")
        print(f"{name:<18} mt evaluate took {seconds:.1f} s for {len(hyps)} lines (all four metrics)")


if __name__ == "__main__":
    main()
