"""`mt evaluate`: score translations against references with sacrebleu, compare systems, report.

A thin layer over `mt.evaluate.evaluate`; prints a table, or JSON with --json, and writes --report.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys

log = logging.getLogger(__name__)


def add_parser(sub) -> None:
    p = sub.add_parser(
        "evaluate",
        help="score translations against references (BLEU, chrF, chrF++, TER) and compare systems",
        description=(
            "Score hypothesis files or folders against references with sacrebleu. Folders: each "
            "NAME.en.txt under --hyp (searched recursively) is matched to NAME.en.txt or NAME.txt "
            "under --ref. Give --hyp twice or more to compare systems (the first is the baseline)."
        ),
    )
    p.add_argument("--hyp", action="append", required=True, metavar="HYP",
                   help="hypothesis file or folder (repeat to compare systems; the first is the baseline)")
    p.add_argument("--ref", action="append", required=True, metavar="REF",
                   help="reference file or folder (repeat for multiple references)")
    p.add_argument("--src", metavar="SRC", help="source file or folder (shown in reports)")
    p.add_argument("--docs", metavar="FILE",
                   help="split a single HYP file into documents: `docid<TAB>lines` per line")
    p.add_argument("--fixes", metavar="RULES",
                   help="apply the target rules of RULES to the hypotheses and report each rule's effect")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--report", metavar="OUT", help="write a report: OUT.html or OUT.md")
    p.add_argument("--seed", type=int, default=12345, help="seed of the paired tests (default 12345)")
    p.add_argument("--bootstrap", type=int, default=1000, metavar="N",
                   help="paired bootstrap resamples (default 1000)")
    p.add_argument("--trials", type=int, default=10000, metavar="N",
                   help="paired approximate randomisation trials (default 10000)")
    p.add_argument("--worst", type=int, default=20, metavar="N",
                   help="how many worst / most different sentences the report shows (default 20)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from mt.errors import UsageError
    from mt.evaluate import TestSettings, evaluate
    from mt.evaluate.report import TEMPLATES, write_report

    if args.report and Path(args.report).suffix.lower() not in TEMPLATES:
        raise UsageError(f"--report {args.report}: name the report OUT.html or OUT.md")
    for name in ("bootstrap", "trials", "worst"):
        if getattr(args, name) < 1:
            raise UsageError(f"--{name} must be at least 1")
    result = evaluate(
        args.hyp, args.ref, src=args.src, docs=args.docs, fixes=args.fixes,
        settings=TestSettings(args.seed, args.bootstrap, args.trials), max_differences=args.worst,
    )
    if args.report:
        path = write_report(result.to_dict(), args.report, worst=args.worst)
        log.info("wrote %s", path)
    if args.json:
        json.dump(result.to_dict(), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(str(result))
    return 0
