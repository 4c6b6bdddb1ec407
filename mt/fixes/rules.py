"""Fix rules and rule sets: loading and validating a YAML rules file, and applying it to a string.

Patterns run on the `regex` package with a time limit, so a rule that backtracks catastrophically
stops with an error naming it instead of hanging the run.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import regex

from mt.errors import InputError, RulesError, UsageError

SIDES = ("source", "target")
REQUIRED_FIELDS = ("id", "side", "find", "replace")
OPTIONAL_FIELDS = {"regex": False, "note": ""}
# the `replace` of a suggested rule until the user writes one; such a rule is refused when loading
PLACEHOLDER = "TODO"
# seconds one rule may take on one line: real rules take microseconds, a backtracking one takes forever
TIMEOUT_S = 2.0

# `\1`, `\g<1>` or `\g<name>` in a regex replacement
_GROUP_REF = regex.compile(r"\\(?:(\d+)|g<([^>]*)>)")


class RuleTimeout(InputError):
    """A rule ran past TIMEOUT_S on some text: that input fails (the others are still fixed)."""


@dataclass(frozen=True)
class FixRule:
    """One rule. A literal `find` is case-sensitive and matches whole words only; `regex: true` makes
    it a pattern (Python `re` syntax, run by the `regex` package) and `replace` may use `\\1` groups."""

    id: str
    side: str
    find: str
    replace: str
    regex: bool = False
    note: str = ""
    pattern: regex.Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", compile_find(self.find, self.regex))

    def apply(self, text: str) -> tuple[str, int]:
        """The text with every match replaced, and the number of replacements."""
        # a function for a literal, so its backslashes are never read as group references
        replace = self.replace if self.regex else lambda _m: self.replace
        try:
            return self.pattern.subn(replace, text, timeout=TIMEOUT_S)
        except TimeoutError:
            raise RuleTimeout(
                f"rule {self.id!r} ran over {TIMEOUT_S:g} s on one line and was stopped (its find "
                f"backtracks catastrophically); simplify the pattern, e.g. (a+)+ to a+") from None

    def to_dict(self) -> dict:
        return {"id": self.id, "side": self.side, "find": self.find, "replace": self.replace,
                "regex": self.regex, "note": self.note}


def compile_find(find: str, is_regex: bool) -> regex.Pattern:
    """The pattern a rule searches for; a literal never matches inside a longer word."""
    if is_regex:
        return regex.compile(find)
    start = r"(?<!\w)" if regex.match(r"\w", find) else ""
    end = r"(?!\w)" if regex.search(r"\w$", find) else ""
    return regex.compile(start + regex.escape(find) + end)


@dataclass(frozen=True)
class RuleSet:
    """The rules of one file, in file order (each rule sees the text the earlier ones produced)."""

    rules: list[FixRule]
    digest: str = ""
    path: str = ""

    def for_side(self, side: str) -> list[FixRule]:
        check_side(side)
        return [r for r in self.rules if r.side == side]

    def apply(self, text: str, side: str) -> tuple[str, dict[str, int]]:
        """Apply this side's rules: (fixed text, {rule id: times applied, for rules that hit})."""
        counts: dict[str, int] = {}
        for rule in self.for_side(side):
            text, n = rule.apply(text)
            if n:
                counts[rule.id] = counts.get(rule.id, 0) + n
        return text, counts

    def without(self, rule_id: str) -> RuleSet:
        """The same rules less one (for leave-one-out scoring)."""
        return RuleSet([r for r in self.rules if r.id != rule_id], self.digest, self.path)


def check_side(side: str) -> None:
    if side not in SIDES:
        raise UsageError(f"unknown side {side!r}; use source or target")


def load_rules(path: str | Path) -> RuleSet:
    """Read and validate a rules file; any problem is a RulesError naming the file and the rule."""
    import yaml

    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise RulesError(f"rules file {p} does not exist") from None
    except OSError as e:
        raise RulesError(f"cannot read rules file {p}: {e.strerror}") from None
    try:
        entries = yaml.safe_load(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise RulesError(f"{p}: not UTF-8 text; save the rules file as UTF-8") from None
    except yaml.YAMLError as e:
        where = getattr(e, "problem_mark", None)
        line = f" line {where.line + 1}" if where else ""
        raise RulesError(f"{p}:{line} not valid YAML ({getattr(e, 'problem', e)})") from None
    return RuleSet(parse_rules(entries, str(p)), hashlib.sha256(data).hexdigest(), str(p))


def parse_rules(entries: object, name: str = "<rules>") -> list[FixRule]:
    """Validate the parsed YAML (a list of mappings) and build the rules."""
    if entries is None:
        return []
    if not isinstance(entries, list):
        got = type(entries).__name__
        raise RulesError(f"{name}: expected a list of rules (`- id: ...`), got {got}")
    rules: list[FixRule] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, 1):
        rule = parse_rule(entry, number, name)
        if rule.id in seen:
            raise RulesError(
                f"{name}: rule {rule.id!r} (#{number}): duplicate id; give each rule its own id")
        seen.add(rule.id)
        rules.append(rule)
    return rules


def parse_rule(entry: object, number: int, name: str) -> FixRule:
    label = f"rule #{number}"
    if isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"]:
        label = f"rule {entry['id']!r} (#{number})"
    where = f"{name}: {label}"
    if not isinstance(entry, dict):
        raise RulesError(f"{where}: expected a mapping with {', '.join(REQUIRED_FIELDS)}")
    unknown = sorted(set(entry) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS), key=str)
    if unknown:
        allowed = ", ".join([*REQUIRED_FIELDS, *OPTIONAL_FIELDS])
        raise RulesError(f"{where}: unknown field {unknown[0]!r}; allowed fields are {allowed}")
    for key in REQUIRED_FIELDS:
        if key not in entry:
            raise RulesError(f"{where}: missing field {key!r}")
    values = {**OPTIONAL_FIELDS, **entry}
    for key in ("id", "side", "find", "replace", "note"):
        if not isinstance(values[key], str):
            raise RulesError(f"{where}: field {key!r} must be a string (quote it in YAML)")
    if not isinstance(values["regex"], bool):
        raise RulesError(f"{where}: field 'regex' must be true or false")
    if not values["id"]:
        raise RulesError(f"{where}: empty id")
    if values["side"] not in SIDES:
        raise RulesError(f"{where}: unknown side {values['side']!r}; use source or target")
    if not values["find"]:
        raise RulesError(f"{where}: empty find")
    try:
        pattern = compile_find(values["find"], values["regex"])
    except regex.error as e:
        raise RulesError(f"{where}: bad regex {values['find']!r}: {e}") from None
    if pattern.search("") is not None:
        raise RulesError(f"{where}: find {values['find']!r} matches the empty string")
    if values["replace"] == PLACEHOLDER:
        raise RulesError(f"{where}: replace is still the placeholder {PLACEHOLDER!r} of a suggested rule; "
                         f"write the replacement or delete the rule")
    if values["regex"]:
        check_template(values["replace"], pattern, where)
    return FixRule(**{k: values[k] for k in (*REQUIRED_FIELDS, *OPTIONAL_FIELDS)})


def check_template(replace: str, pattern: regex.Pattern, where: str) -> None:
    """A regex replacement may only refer to groups the pattern has."""
    for number, group in _GROUP_REF.findall(replace):
        ref = number or group
        ok = int(ref) <= pattern.groups if ref.isdigit() else ref in pattern.groupindex
        if not ok:
            raise RulesError(f"{where}: replace refers to group \\{ref}, which find lacks")
    # the template itself (bad escapes such as `\\q`) is only parsed on a match: make one on ""
    try:
        probe = regex.compile(f"(?:{pattern.pattern})|", pattern.flags)
    except regex.error:  # e.g. global flags that must stay first; the group check above still holds
        return
    try:
        probe.sub(replace, "", count=1)
    except (regex.error, IndexError) as e:
        raise RulesError(f"{where}: bad replace {replace!r}: {e}") from None


def apply_rules(text: str, rules: RuleSet, side: str = "target") -> str:
    """The text with one side's rules applied (load a rules file with `load_rules`)."""
    return rules.apply(text, side)[0]
