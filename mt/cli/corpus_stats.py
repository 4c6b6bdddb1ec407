"""`mt corpus stats DATASET_DIR [--png PATH]`: rows per split and origin, lengths, a ratio histogram.

A thin layer over `mt.corpus.stats`.
"""

from __future__ import annotations

import json


def add_parser(sub) -> None:
    p = sub.add_parser(
        "stats", help="rows per split/origin, length distributions, length-ratio histogram",
        description="Print rows per split and origin and length distributions (chars and words: "
                    "min/median/mean/p95/max per side); optionally save a histogram of length ratios.",
    )
    p.add_argument("dataset", metavar="DATASET_DIR", help="corpus folder")
    p.add_argument("--png", metavar="PATH", help="save a histogram of it/en length ratios here")
    p.add_argument("--json", action="store_true", help="print the numbers as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    from mt.corpus.stats import corpus_stats, plot_ratios

    stats = corpus_stats(args.dataset)
    print(json.dumps(stats.to_dict(), indent=2) if args.json else stats.format().rstrip("\n"))
    if args.png:
        plot_ratios(stats, args.png)
    return 0
