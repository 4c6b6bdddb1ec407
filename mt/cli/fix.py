"""`mt fix`: apply fix rules to a file or folder, or suggest candidate rules from hypotheses.

A thin layer over `mt.fixes` (applying) and `mt.evaluate.suggest` (suggesting).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

log = logging.getLogger(__name__)


def add_parser(sub) -> None:
    p = sub.add_parser(
        "fix",
        help="repair predictably garbled phrases with rules, or suggest rules",
        description=(
            "Apply the rules of one side (default target) to IN and write OUT (files, or folders: every "
            "*.txt under IN, relative paths kept). Nothing outside the matched spans changes, line endings "
            "included. With --suggest HYP --ref REF, print candidate target rules as YAML instead."
        ),
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


def pairs(source: Path, target: Path) -> list[tuple[Path, Path]]:
    """(input file, output file) for a file, or for every *.txt under a folder."""
    from mt.errors import InputError, UsageError

    if not source.exists():
        raise InputError(f"{source} does not exist")
    if source.is_file():
        if target.is_dir():
            return [(source, target / source.name)]
        return [(source, target)]
    if target.exists() and not target.is_dir():
        raise UsageError(f"{source} is a folder, so OUT must be a folder; {target} is a file")
    if target.resolve() == source.resolve():
        raise UsageError("OUT must differ from IN; the input is never changed in place")
    files = sorted(p for p in source.rglob("*.txt") if p.is_file())
    if not files:
        raise InputError(f"no *.txt files in {source}")
    return [(p, target / p.relative_to(source)) for p in files]


def apply(args: argparse.Namespace) -> int:
    from mt.fixes import fix_file, load_rules

    ruleset = load_rules(args.rules)
    totals: dict[str, int] = {}
    changed_files = 0
    for src, dst in pairs(Path(args.paths[0]), Path(args.paths[1])):
        fix = fix_file(src, dst, ruleset, args.side)
        for rule_id, n in fix.counts.items():
            totals[rule_id] = totals.get(rule_id, 0) + n
        if fix.changes:
            changed_files += 1
            if args.diff:
                sys.stdout.writelines(_diff(fix.changes, str(src), str(dst)))
    if args.diff:
        for rule_id, n in totals.items():
            print(f"{rule_id}: {n}", file=sys.stderr)
        print(f"{sum(totals.values())} replacement(s) in {changed_files} file(s)", file=sys.stderr)
    return 0


def _diff(changes: list[tuple[int, str, str]], old_name: str, new_name: str):
    """A unified diff with one hunk per changed line (line numbers those of the file)."""
    yield f"--- {old_name}\n+++ {new_name}\n"
    for number, old, new in changes:
        yield f"@@ -{number} +{number} @@\n-{old}\n+{new}\n"


def suggest(args: argparse.Namespace) -> int:
    from mt.evaluate.suggest import candidates_yaml, suggest_rules
    from mt.evaluate.testset import load_testset

    testset = load_testset([args.suggest], args.ref)
    where = [f"{s.document}:{s.line}" for s in testset.segments]
    found = suggest_rules(testset.baseline, testset.references, min_count=args.min_count,
                          limit=args.limit, where=where)
    sys.stdout.write(candidates_yaml(found))
    return 0
