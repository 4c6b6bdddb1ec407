"""Fix rules: repairs for phrases that machine translation predictably garbles, kept in a YAML file.

Source rules pre-edit the Italian before translation, target rules post-edit the English; this
module loads and validates a rules file and applies it, changing nothing outside the matched spans.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from mt.errors import RulesError, UsageError

SIDES = ("source", "target")
REQUIRED_FIELDS = ("id", "side", "find", "replace")
OPTIONAL_FIELDS = {"regex": False, "note": ""}

# `\1`, `\g<1>` or `\g<name>` in a regex replacement
_GROUP_REF = re.compile(r"\\(?:(\d+)|g<([^>]*)>)")


@dataclass(frozen=True)
class FixRule:
    """One rule. A literal `find` is case-sensitive and matches whole words only;
    `regex: true` makes it a Python `re` pattern and `replace` may use `\\1` group references."""

    id: str
    side: str
    find: str
    replace: str
    regex: bool = False
    note: str = ""
    pattern: re.Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", compile_find(self.find, self.regex))

    def apply(self, text: str) -> tuple[str, int]:
        """The text with every match replaced, and the number of replacements."""
        if self.regex:
            return self.pattern.subn(self.replace, text)
        # a function, so a literal replacement's backslashes are never read as group references
        return self.pattern.subn(lambda _m: self.replace, text)

    def to_dict(self) -> dict:
        return {"id": self.id, "side": self.side, "find": self.find, "replace": self.replace,
                "regex": self.regex, "note": self.note}


def compile_find(find: str, regex: bool) -> re.Pattern:
    """The pattern a rule searches for; a literal never matches inside a longer word."""
    if regex:
        return re.compile(find)
    start = r"(?<!\w)" if re.match(r"\w", find) else ""
    end = r"(?!\w)" if re.search(r"\w$", find) else ""
    return re.compile(start + re.escape(find) + end)


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
    except re.error as e:
        raise RulesError(f"{where}: bad regex {values['find']!r}: {e}") from None
    if pattern.search("") is not None:
        raise RulesError(f"{where}: find {values['find']!r} matches the empty string")
    if values["regex"]:
        check_template(values["replace"], pattern, where)
    return FixRule(**{k: values[k] for k in (*REQUIRED_FIELDS, *OPTIONAL_FIELDS)})


def check_template(replace: str, pattern: re.Pattern, where: str) -> None:
    """A regex replacement may only refer to groups the pattern has."""
    for number, group in _GROUP_REF.findall(replace):
        ref = number or group
        ok = int(ref) <= pattern.groups if ref.isdigit() else ref in pattern.groupindex
        if not ok:
            raise RulesError(f"{where}: replace refers to group \\{ref}, which find lacks")
    # the template itself (bad escapes such as `\\q`) is only parsed on a match: make one on ""
    try:
        probe = re.compile(f"(?:{pattern.pattern})|", pattern.flags)
    except re.error:  # e.g. global flags that must stay first; the group check above still holds
        return
    try:
        probe.sub(replace, "", count=1)
    except (re.error, IndexError) as e:
        raise RulesError(f"{where}: bad replace {replace!r}: {e}") from None


def apply_rules(text: str, rules: RuleSet | str | Path, side: str = "target") -> str:
    """The text with one side's rules applied (rules: a RuleSet or a rules file)."""
    ruleset = rules if isinstance(rules, RuleSet) else load_rules(rules)
    return ruleset.apply(text, side)[0]


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_BOM = b"\xef\xbb\xbf"


@dataclass
class FileFix:
    """What fixing one file changed: rule counts and (line number, before, after) per changed line."""

    source: str
    counts: dict[str, int]
    changes: list[tuple[int, str, str]]


def fix_text(text: str, ruleset: RuleSet, side: str, name: str = "<text>") -> tuple[str, FileFix]:
    """Apply rules line by line; line endings and everything outside the matches stay as they were."""
    check_side(side)
    out: list[str] = []
    fix = FileFix(name, {}, [])
    for number, match in enumerate(_LINE.finditer(text), 1):
        line = match.group()
        body = line.rstrip("\r\n")
        ending = line[len(body):]
        fixed, counts = ruleset.apply(body, side)
        if fixed != body:
            fix.changes.append((number, body, fixed))
            for rule_id, n in counts.items():
                fix.counts[rule_id] = fix.counts.get(rule_id, 0) + n
        out.append(fixed + ending)
    return "".join(out), fix


def fix_file(source: str | Path, target: str | Path, ruleset: RuleSet, side: str = "target") -> FileFix:
    """Fix one UTF-8 file into target (a BOM is kept); the target is replaced only when complete."""
    from mt.document import decode_text

    src, dst = Path(source), Path(target)
    try:
        data = src.read_bytes()
    except OSError as e:
        from mt.errors import InputError

        raise InputError(f"cannot read {src}: {e.strerror}") from None
    text, fix = fix_text(decode_text(data, str(src)), ruleset, side, str(src))
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + ".tmp")
    tmp.write_bytes((_BOM if data.startswith(_BOM) else b"") + text.encode("utf-8"))
    tmp.replace(dst)
    return fix
