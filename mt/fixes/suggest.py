"""Candidate fix rules: word n-grams that recur in the hypotheses but never occur in the references.

A broadcaster's name translated literally or a doubled phrase shows up this way; the user reviews
the YAML, fills in each `replace`, and pastes the rules into the rules file.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from mt.fixes.rules import PLACEHOLDER
from mt.wordlists import stopwords

TOKEN = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]")


@dataclass
class Candidate:
    find: str
    count: int
    example: str
    line: str


def _ngrams(line: str, max_n: int):
    """(surface text, tokens) of every 1..max_n word n-gram, as it is written in the line."""
    spans = [(m.start(), m.end(), m.group()) for m in TOKEN.finditer(line)]
    for n in range(1, max_n + 1):
        for i in range(len(spans) - n + 1):
            part = spans[i:i + n]
            yield line[part[0][0]:part[-1][1]], [p[2] for p in part]


def _is_noise(tokens: list[str], stop: frozenset[str]) -> bool:
    """A phrase worth a rule starts and ends with a content word (not a stopword, punctuation or a
    single letter); a doubled phrase like "or not or not" is kept whatever its words."""
    half = len(tokens) // 2
    if len(tokens) % 2 == 0 and tokens[:half] == tokens[half:] and re.match(r"\w", tokens[0]):
        return False

    def content(t: str) -> bool:
        return t.lower() not in stop and len(t) > 1 and re.search(r"[^\W\d_]", t) is not None

    return not (content(tokens[0]) and content(tokens[-1]))


def suggest_rules(
    hypotheses: list[str],
    references: list[list[str]],
    *,
    min_count: int = 2,
    max_n: int = 4,
    limit: int = 30,
    where: list[str] | None = None,
) -> list[Candidate]:
    """Candidates ranked by the number of hypothesis lines they occur in (then longer first);
    a shorter n-gram is dropped when a longer candidate containing it occurs as often.
    "Never in the references" ignores case, so only phrases no reference uses at all are proposed."""
    stop = stopwords("en")
    in_refs = {tuple(t.lower() for t in tokens)
               for ref in references for line in ref for _, tokens in _ngrams(line, max_n)}
    counts: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    tokens_of: dict[str, list[str]] = {}
    for i, line in enumerate(hypotheses):
        seen = set()
        for surface, tokens in _ngrams(line, max_n):
            if surface in seen:
                continue
            seen.add(surface)
            tokens_of.setdefault(surface, tokens)
            counts[surface] += 1
            first_seen.setdefault(surface, i)
    found = [s for s, count in counts.items()
             if count >= min_count and not _is_noise(tokens_of[s], stop)
             and tuple(t.lower() for t in tokens_of[s]) not in in_refs]
    by_count = defaultdict(list)
    for s in found:
        by_count[counts[s]].append(s)
    kept = [s for s in found if not any(s != o and s in o for o in by_count[counts[s]])]
    kept.sort(key=lambda s: (-counts[s], -len(tokens_of[s]), s))
    return [Candidate(s, counts[s], hypotheses[first_seen[s]],
                      where[first_seen[s]] if where else str(first_seen[s] + 1))
            for s in kept[:limit]]


def _slug(text: str) -> str:
    return re.sub(r"[^\w]+", "-", text.lower()).strip("-")[:40] or "rule"


def candidates_yaml(candidates: list[Candidate]) -> str:
    """Target rules (literal find) as YAML to review; `replace` is the placeholder, which load_rules
    refuses until the user writes the replacement."""
    import yaml

    rules, ids = [], set()
    for c in candidates:
        rule_id = f"suggested-{_slug(c.find)}"
        while rule_id in ids:
            rule_id += "-x"
        ids.add(rule_id)
        rules.append({
            "id": rule_id, "side": "target", "find": c.find, "replace": PLACEHOLDER,
            "note": f"{c.count} hypothesis lines, never in the references; e.g. {c.line}: {c.example}",
        })
    header = (
        "# Suggested target rules: n-grams that recur in the hypotheses but never in the references.\n"
        f"# Review each one: set `replace` (now {PLACEHOLDER!r}, which is refused until you do) or delete\n"
        "# the rule, then paste the rules into your rules file.\n"
    )
    if not rules:
        return header + "[]\n"
    return header + yaml.safe_dump(rules, allow_unicode=True, sort_keys=False, width=100000)
