"""Applying fix rules to text, to one file and to a folder of `*.txt` files, byte for byte.

Nothing outside the matched spans changes (line endings and a BOM included); a folder run reports the
files it cannot fix and fixes the others; outputs are written atomically and never over the input.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import regex

from mt.errors import InputError, UsageError
from mt.fixes.rules import RuleSet, RuleTimeout, check_side

SUFFIXES = (".txt",)

_LINE = regex.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_BOM = b"\xef\xbb\xbf"


@dataclass
class FileFix:
    """What fixing one text changed: rule counts and (line number, before, after) per changed line."""

    source: str
    target: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    changes: list[tuple[int, str, str]] = field(default_factory=list)

    def diff(self) -> Iterator[str]:
        """A unified diff with one hunk per changed line (line numbers those of the file)."""
        if not self.changes:
            return
        yield f"--- {self.source}\n+++ {self.target or self.source}\n"
        for number, old, new in self.changes:
            yield f"@@ -{number} +{number} @@\n-{old}\n+{new}\n"


@dataclass
class FixReport:
    """What fixing a file or folder did: one FileFix per fixed file, one message (naming the file) per
    file that could not be fixed."""

    fixed: list[FileFix] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """Replacements per rule id over all files, in the order the rules first hit."""
        totals: dict[str, int] = {}
        for fix in self.fixed:
            for rule_id, n in fix.counts.items():
                totals[rule_id] = totals.get(rule_id, 0) + n
        return totals

    def __str__(self) -> str:
        changed = sum(1 for fix in self.fixed if fix.changes)
        line = f"{sum(self.counts.values())} replacement(s) in {changed} file(s)"
        return line + (f"; {len(self.failed)} file(s) failed" if self.failed else "")


def fix_text(text: str, ruleset: RuleSet, side: str, name: str = "<text>") -> tuple[str, FileFix]:
    """Apply rules line by line; line endings and everything outside the matches stay as they were.

    A rule that runs too long raises RuleTimeout naming `name`, the line and the rule."""
    check_side(side)
    out: list[str] = []
    fix = FileFix(name)
    for number, match in enumerate(_LINE.finditer(text), 1):
        line = match.group()
        body = line.rstrip("\r\n")
        ending = line[len(body):]
        try:
            fixed, counts = ruleset.apply(body, side)
        except RuleTimeout as e:
            raise RuleTimeout(f"{name}: line {number}: {e}") from None
        if fixed != body:
            fix.changes.append((number, body, fixed))
            for rule_id, n in counts.items():
                fix.counts[rule_id] = fix.counts.get(rule_id, 0) + n
        out.append(fixed + ending)
    return "".join(out), fix


def fix_file(source: Path, target: Path, ruleset: RuleSet, side: str = "target", *,
             root: Path | None = None) -> FileFix:
    """Fix one UTF-8 file into target (a BOM is kept); the target is replaced only when complete.

    With `root`, the target must lie inside it (see mt.files.atomic_write)."""
    from mt.document import decode_text
    from mt.files import atomic_write

    try:
        data = source.read_bytes()
    except OSError as e:
        raise InputError(f"cannot read {source}: {e.strerror}") from None
    text, fix = fix_text(decode_text(data, str(source)), ruleset, side, str(source))
    fix.target = str(target)
    atomic_write(target, (_BOM if data.startswith(_BOM) else b"") + text.encode("utf-8"), root=root)
    return fix


def fix_path(source: Path, target: Path, ruleset: RuleSet, side: str = "target") -> FixReport:
    """Fix a file into `target` (a file, or a folder to put it in), or every `*.txt` under a folder into
    the same relative paths under the folder `target`.

    The one finder's rule applies (mt.files.find_files: hidden files and folders skipped). A file that
    cannot be read, decoded or fixed is reported in `failed` and the others are fixed; a problem with
    the output (not writable, disk full) raises OutputError. Input and output never overlap.
    """
    from mt.files import find_files

    check_side(side)
    found = find_files(source, SUFFIXES)
    report = FixReport()
    if not source.is_dir():
        dst = target / source.name if target.is_dir() else target
        if _same(source, dst):
            raise UsageError(f"{dst} is the input file itself; write the fixed text to another file "
                             f"(the input is never changed in place)")
        _fix_one(report, source, dst, ruleset, side, found[0].problem)
        return report
    if target.exists() and not target.is_dir():
        raise UsageError(f"{source} is a folder, so the output must be a folder; {target} is a file")
    if _overlap(source, target):
        raise UsageError(f"{source} and {target} overlap (one is inside the other); choose an output "
                         f"folder outside the input folder")
    if not found:
        raise InputError(f"no *.txt files in {source}")
    for item in found:
        _fix_one(report, item.path, target / item.rel, ruleset, side, item.problem, root=target)
    return report


def _fix_one(report: FixReport, source: Path, target: Path, ruleset: RuleSet, side: str,
             problem: str | None, root: Path | None = None) -> None:
    if problem:
        report.failed.append(f"{source} {problem}")
        return
    try:
        report.fixed.append(fix_file(source, target, ruleset, side, root=root))
    except InputError as e:  # this input only; OutputError (the output folder) ends the run
        report.failed.append(str(e))


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _same(source: Path, target: Path) -> bool:
    """The same file by path, by symlink or by hard link."""
    if _real(source) == _real(target):
        return True
    try:
        return os.path.samefile(source, target)
    except OSError:
        return False


def _overlap(source: Path, target: Path) -> bool:
    a, b = _real(source), _real(target)
    return a.is_relative_to(b) or b.is_relative_to(a)
