"""Fix rules: repairs for phrases that machine translation predictably garbles, kept in a YAML file.

Source rules pre-edit the Italian, target rules post-edit the English. `rules` loads and validates a
rules file, `apply` applies it to text, files and folders, `suggest` proposes new rules from hypotheses.
"""

from mt.fixes.apply import FileFix, FixReport, fix_file, fix_path, fix_text
from mt.fixes.rules import (
    PLACEHOLDER,
    SIDES,
    FixRule,
    RuleSet,
    RuleTimeout,
    apply_rules,
    load_rules,
    parse_rules,
)

__all__ = [
    "PLACEHOLDER", "SIDES", "FileFix", "FixReport", "FixRule", "RuleSet", "RuleTimeout",
    "apply_rules", "fix_file", "fix_path", "fix_text", "load_rules", "parse_rules",
]
