"""`mt fix`: apply fix rules to a file or folder, or suggest candidate rules from hypotheses.

A thin layer over `mt.fixes` (applying) and `mt.fixes.suggest` (suggesting).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser(
        "fix",
        help="repair predictably garbled phrases with rules, or suggest rules",
        description=(
            "Apply the rules of one side (default target) to IN and write OUT (files, or folders: every "
            "*.txt under IN, relative paths kept, hidden files and folders skipped). Nothing outside the "
            "matched spans changes, line endings included; IN is never written, so OUT must not be IN nor "
            "overlap it. A file that cannot be fixed (not UTF-8, unreadable, a rule that runs too long) is "
            "listed at the end and the others are fixed. With --suggest HYP --ref REF, print candidate "
            "target rules as YAML instead; their replace is a placeholder that --rules refuses until "
            "you fill it in."
        ),
        epilog="exit codes: 0 all fixed, 1 some files failed (the rest are fixed), 2 usage or set-up error.",
    )
    p.add_argument("paths", nargs="*", metavar="IN OUT", help="input and output file or folder")
    p.add_argument("--rules", metavar="RULES", help="rules file (YAML), e.g. corpora/fixes.yaml")
    p.add_argument("--side", choices=["source", "target"], default="target",
                   help="which rules to apply: source (Italian) or target (English, default)")
    p.add_argument("--diff", action="store_true",
                   help="print a unified diff of what changed to stdout, and rule counts to stderr")
    p.add_argument("--suggest", metavar="HYP",
                   help="suggest target rules from hypotheses HYP (file or folder)")
    p.add_argument("--ref", action="append", metavar="REF", help="references for --suggest (repeatable)")
    p.add_argument("--min-count", type=int, default=2, metavar="N",
                   help="--suggest: n-grams in at least N hypothesis lines (default 2)")
    p.add_argument("--limit", type=int, default=30, metavar="N",
                   help="--suggest: at most N rules (default 30)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from mt.errors import UsageError

    if args.suggest:
        if not args.ref:
            raise UsageError("--suggest HYP needs --ref REF")
        if args.paths:
            raise UsageError("--suggest prints YAML to stdout; give no IN OUT")
        return suggest(args)
    if not args.rules:
        raise UsageError("give --rules RULES (e.g. corpora/fixes.yaml)")
    if len(args.paths) != 2:
        raise UsageError("give IN and OUT: mt fix --rules RULES IN OUT")
    return apply(args)


def apply(args: argparse.Namespace) -> int:
    from mt.fixes import fix_path, load_rules

    ruleset = load_rules(args.rules)
    report = fix_path(Path(args.paths[0]), Path(args.paths[1]), ruleset, args.side)
    if args.diff:
        for fix in report.fixed:
            sys.stdout.writelines(fix.diff())
        for rule_id, n in report.counts.items():
            print(f"{rule_id}: {n}", file=sys.stderr)
        print(report, file=sys.stderr)
    for message in report.failed:
        print(f"failed: {message}", file=sys.stderr)
    return 1 if report.failed else 0


def suggest(args: argparse.Namespace) -> int:
    from mt.evaluate.testset import load_testset
    from mt.fixes.suggest import candidates_yaml, suggest_rules

    testset = load_testset([args.suggest], args.ref)
    where = [f"{s.document}:{s.line}" for s in testset.segments]
    found = suggest_rules(testset.baseline, testset.references, min_count=args.min_count,
                          limit=args.limit, where=where)
    sys.stdout.write(candidates_yaml(found))
    return 0
