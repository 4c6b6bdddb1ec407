"""Tests for mt.fixes and `mt fix`: rule loading and validation, byte-exact application, suggestions."""

import hashlib
import re
from pathlib import Path

import pytest
import yaml

from mt.cli import main
from mt.errors import RulesError
from mt.fixes import RuleSet, fix_text, load_rules, parse_rules

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "fixes"
RULES = ROOT / "corpora" / "fixes.yaml"
SEED = ROOT / "corpora" / "articles" / "000_5f133f87dbb76714.txt"
SHARED = ROOT.parent / "shared" / "data"


def bad_cases():
    for line in (DATA / "bad_cases.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, message = line.split("\t")
            yield pytest.param(name, message, id=name)


def test_shipped_rules_cover_both_sides_with_notes():
    rules = load_rules(RULES)
    assert len(rules.rules) >= 10
    assert {r.side for r in rules.rules} == {"source", "target"}
    assert all(r.note for r in rules.rules)
    assert rules.digest == hashlib.sha256(RULES.read_bytes()).hexdigest()


def test_source_rules_repair_the_seed_article():
    text = SEED.read_text(encoding="utf-8")
    fixed, counts = load_rules(RULES).apply(text, "source")
    for garble in ("Oltre La Linea", "Istanbul di Turkiye", "o meno o meno", "ha sconfitto Putin",
                   "fornite da Western", "restrizioni di range", "Sergey Lavrov russo Sergey Lavrov"):
        assert garble in text and garble not in fixed
    assert counts["it-al-jazeera-literal"] == 2
    assert "Istanbul, in Turchia" in fixed and "Al Jazeera a Mosca" in fixed
    # the target rules do not touch the Italian
    assert load_rules(RULES).apply(text, "target")[0].count("Oltre La Linea") == 2


def test_mt_fix_changes_exactly_the_planted_spans(tmp_path, capsys):
    out = tmp_path / "fixed.en.txt"
    assert main(["fix", "--rules", str(RULES), "--diff", str(DATA / "planted.en.txt"), str(out)]) == 0
    assert out.read_bytes() == (DATA / "planted.expected.en.txt").read_bytes()
    captured = capsys.readouterr()
    changed = [line for line in captured.out.splitlines() if line.startswith("@@")]
    assert changed == ["@@ -1 +1 @@", "@@ -2 +2 @@", "@@ -6 +6 @@", "@@ -7 +7 @@", "@@ -8 +8 @@"]
    assert "en-defeated-lambasted: 1" in captured.err


def test_folder_keeps_layout_bom_and_unmatched_bytes(tmp_path):
    src = tmp_path / "in" / "sub"
    src.mkdir(parents=True)
    (src / "a.en.txt").write_bytes(b"\xef\xbb\xbfKiev said Beyond The Line.\rno change\n")
    (tmp_path / "in" / "b.txt").write_bytes(b"Kievan Rus\n")
    assert main(["fix", "--rules", str(RULES), str(tmp_path / "in"), str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "sub" / "a.en.txt").read_bytes() == \
        b"\xef\xbb\xbfKyiv said Al Jazeera.\rno change\n"
    assert (tmp_path / "out" / "b.txt").read_bytes() == b"Kievan Rus\n"


def test_literal_is_case_sensitive_whole_word_and_replacement_is_literal():
    rules = RuleSet(parse_rules([
        {"id": "a", "side": "target", "find": "cat", "replace": r"dog\1"},
        {"id": "b", "side": "target", "find": r"(\w+) ha", "replace": r"\1 has", "regex": True},
    ]))
    text, counts = fix_text("cat Cat concat cat.\nbob ha", rules, "target")
    assert text == "dog\\1 Cat concat dog\\1.\nbob has"
    assert counts.counts == {"a": 2, "b": 1}


@pytest.mark.parametrize("name, message", list(bad_cases()))
def test_invalid_rules_file_is_one_clear_error(name, message, tmp_path, capsys):
    with pytest.raises(RulesError, match=".*".join(map(re.escape, [name, message]))):
        load_rules(DATA / name)
    (tmp_path / "x.txt").write_text("x\n")
    assert main(["fix", "--rules", str(DATA / name), str(tmp_path / "x.txt"), str(tmp_path / "y.txt")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1
    assert not (tmp_path / "y.txt").exists()


def test_suggest_finds_a_planted_literal_name(tmp_path, capsys):
    hyp = (SHARED / "opus-mt-it-en-outputs" / "flores200-devtest.hyp.en").read_text().splitlines()[:300]
    ref = (SHARED / "flores200-devtest" / "en.txt").read_text().splitlines()[:300]
    endings = ["reported.", "said so.", "in Doha.", "correspondents agree."]
    for n, i in enumerate(range(0, 300, 30)):
        hyp[i] += f" Beyond The Line {endings[n % 4]}"
    hyp[7] += " or not or not"
    hyp[8] += " or not or not"
    (tmp_path / "h.en.txt").write_text("\n".join(hyp) + "\n")
    (tmp_path / "r.en.txt").write_text("\n".join(ref) + "\n")
    assert main(["fix", "--suggest", str(tmp_path / "h.en.txt"), "--ref", str(tmp_path / "r.en.txt"),
                 "--limit", "50"]) == 0
    out = capsys.readouterr().out
    suggested = parse_rules(yaml.safe_load(out))
    finds = [r.find for r in suggested]
    assert finds[0] == "Beyond The Line"
    assert "or not or not" in finds
    assert "10 hypothesis lines" in suggested[0].note
