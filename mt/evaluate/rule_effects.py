"""What each fix rule does to the scores, by leave-one-out: all target rules against all but one.

Only the lines a rule touched read differently without it; BLEU re-scores just those lines (its sentence
scores add up), chrF re-scores the corpus once per rule that changed anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from mt.evaluate.metrics import METRIC, Scorer
from mt.fixes import RuleSet

EFFECT_METRICS = ("bleu", "chrf")


@dataclass(frozen=True)
class RuleEffect:
    """One rule's line in the report. Target rules: how often they applied and the score lost without
    them (delta = with all target rules - without this one). Source rules are not evaluated (that needs
    a re-translation); `applied` is how often they would apply to the sources, when those are given."""

    id: str
    side: str
    applied: int | None
    deltas: dict[str, float] | None = None

    @property
    def evaluated(self) -> bool:
        return self.deltas is not None

    def to_dict(self) -> dict:
        out: dict = {"id": self.id, "side": self.side, "evaluated": self.evaluated}
        if self.applied is not None:
            out["applied"] = self.applied
        if self.deltas is not None:
            out.update({f"delta_{key}": d for key, d in self.deltas.items()})
        return out

    def __str__(self) -> str:
        if self.deltas is None:
            note = f", would apply {self.applied}x to the sources" if self.applied is not None else ""
            return f"source rule: not evaluated (needs re-translation{note})"
        deltas = "  ".join(f"d{METRIC[k].label} {d:+.2f}" for k, d in self.deltas.items())
        return f"applied {self.applied:4d}  {deltas}"


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
    totals: dict[str, int],
    scorer: Scorer,
    sources: list[str] | None = None,
) -> list[RuleEffect]:
    """One effect per rule in file order; `scorer` holds the scores of the lines with all target rules
    applied (`raw` are the lines before any rule, `totals` how often each rule applied)."""
    fixed = scorer.hypotheses
    touched = [i for i, (a, b) in enumerate(zip(raw, fixed)) if a != b]
    effects = []
    for rule in ruleset.rules:
        if rule.side == "source":
            applied = sum(rule.apply(s)[1] for s in sources) if sources is not None else None
            effects.append(RuleEffect(rule.id, "source", applied))
            continue
        others = ruleset.without(rule.id)
        changed = {}
        for i in touched:
            text = others.apply(raw[i], "target")[0]
            if text != fixed[i]:
                changed[i] = text
        deltas = {key: _delta(scorer, key, changed) for key in EFFECT_METRICS}
        effects.append(RuleEffect(rule.id, "target", totals.get(rule.id, 0), deltas))
    return effects


def _delta(scorer: Scorer, key: str, changed: dict[int, str]) -> float:
    if not changed:
        return 0.0
    return round(scorer.corpus(key).score - scorer.with_changes(key, changed), 4)
