"""`mt evaluate`: score translations against references with sacrebleu, compare systems, report.

A thin layer over `mt.evaluate.evaluate`; prints a table, or JSON with --json, and writes --report.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys

from mt.evaluate.comparison import DEFAULT_BOOTSTRAP, DEFAULT_SEED, DEFAULT_TRIALS, DEFAULT_WORST

log = logging.getLogger(__name__)


def add_parser(sub) -> None:
    p = sub.add_parser(
        "evaluate",
        help="score translations against references (BLEU, chrF, chrF++, TER) and compare systems",
        description=(
            "Score hypothesis files or folders against references with sacrebleu. Folders: each "
            "NAME.en.txt under --hyp (searched recursively, hidden files and folders skipped) is matched "
            "to NAME.en.txt or NAME.txt under --ref. Give --hyp twice or more to compare systems (the "
            "first is the baseline); --hyp - reads standard input. Lines blank in every file are left "
            "out; files with no text at all are an error."
        ),
    )
    p.add_argument("--hyp", action="append", required=True, metavar="HYP",
                   help="hypothesis file or folder, or - for standard input "
                        "(repeat to compare systems; the first is the baseline)")
    p.add_argument("--ref", action="append", required=True, metavar="REF",
                   help="reference file or folder (repeat for multiple references)")
    p.add_argument("--src", metavar="SRC", help="source file or folder (shown in reports)")
    p.add_argument("--docs", metavar="FILE",
                   help="split a single HYP file into documents: `docid<TAB>lines` per line")
    p.add_argument("--fixes", metavar="RULES",
                   help="apply the target rules of RULES to the hypotheses and report each rule's effect")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--report", metavar="OUT", help="write a report: OUT.html or OUT.md")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED,
                   help=f"seed of the paired tests (default {DEFAULT_SEED})")
    p.add_argument("--bootstrap", type=int, default=DEFAULT_BOOTSTRAP, metavar="N",
                   help=f"paired bootstrap resamples (default {DEFAULT_BOOTSTRAP})")
    p.add_argument("--trials", type=int, default=DEFAULT_TRIALS, metavar="N",
                   help=f"paired approximate randomisation trials (default {DEFAULT_TRIALS})")
    p.add_argument("--worst", type=int, default=DEFAULT_WORST, metavar="N",
                   help=f"how many worst / most different lines the report shows (default {DEFAULT_WORST})")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from mt.errors import UsageError
    from mt.evaluate import TestSettings, evaluate
    from mt.evaluate.report import TEMPLATES, write_report
    from mt.fixes import load_rules

    if args.report and Path(args.report).suffix.lower() not in TEMPLATES:
        raise UsageError(f"--report {args.report}: name the report OUT.html or OUT.md")
    for name in ("bootstrap", "trials", "worst"):
        if getattr(args, name) < 1:
            raise UsageError(f"--{name} must be at least 1")
    result = evaluate(
        args.hyp, args.ref, src=args.src, docs=args.docs,
        fixes=load_rules(args.fixes) if args.fixes else None,
        settings=TestSettings(args.seed, args.bootstrap, args.trials), max_differences=args.worst,
    )
    if args.report:
        path = write_report(result, args.report, worst=args.worst)
        log.info("wrote %s", path)
    if args.json:
        json.dump(result.to_dict(), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(str(result))
    return 0
