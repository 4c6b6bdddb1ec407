"""What each fix rule does to the scores, by leave-one-out: all target rules against all but one.

Only lines a rule touched are re-scored, so this stays cheap however many rules there are.
"""

from __future__ import annotations

from mt.evaluate.metrics import Statistics
from mt.fixes import RuleSet

EFFECT_METRICS = ("bleu", "chrf")


def apply_target_rules(ruleset: RuleSet, lines: list[str]) -> tuple[list[str], dict[str, int]]:
    """The lines with all target rules applied, and how often each rule applied in total."""
    fixed, totals = [], {}
    for line in lines:
        text, counts = ruleset.apply(line, "target")
        fixed.append(text)
        for rule_id, n in counts.items():
            totals[rule_id] = totals.get(rule_id, 0) + n
    return fixed, totals


def rule_effects(
    ruleset: RuleSet,
    raw: list[str],
    fixed: list[str],
    totals: dict[str, int],
    references: list[list[str]],
    statistics: Statistics,
    sources: list[str] | None = None,
) -> list[dict]:
    """One entry per rule in file order: target rules with their applied count and the score lost
    without them (delta = with all target rules - without this one); source rules are listed as not
    evaluated, with how often they would apply to the sources when those are given."""
    touched = [i for i, (a, b) in enumerate(zip(raw, fixed)) if a != b]
    entries = []
    for rule in ruleset.rules:
        if rule.side == "source":
            entry = {"id": rule.id, "side": "source", "evaluated": False}
            if sources is not None:
                entry["applied"] = sum(rule.apply(s)[1] for s in sources)
            entries.append(entry)
            continue
        others = ruleset.without(rule.id)
        changed = {}
        for i in touched:
            text = others.apply(raw[i], "target")[0]
            if text != fixed[i]:
                changed[i] = text
        entry = {"id": rule.id, "side": "target", "evaluated": True, "applied": totals.get(rule.id, 0)}
        for name in EFFECT_METRICS:
            entry[f"delta_{name}"] = round(_delta(name, statistics, changed, references), 4)
        entries.append(entry)
    return entries


def _delta(name: str, statistics: Statistics, changed: dict[int, str], references) -> float:
    if not changed:
        return 0.0
    metric = statistics.metrics[name]
    idx = sorted(changed)
    new = metric._extract_corpus_statistics(
        [changed[i] for i in idx], [[ref[i] for i in idx] for ref in references])
    stats = list(statistics.stats[name])
    for i, s in zip(idx, new):
        stats[i] = s
    return statistics.score(name) - metric._aggregate_and_compute(stats).score
