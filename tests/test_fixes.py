"""Tests for mt.fixes and `mt fix`: rule loading and validation, byte-exact application to files and
folders, failures reported per file, the backtracking guard, suggestions."""

import hashlib
import os
import re
import time
from pathlib import Path

import pytest
import yaml

import mt
from mt.cli import main
from mt.errors import InputError, RulesError
from mt.fixes import RuleSet, RuleTimeout, fix_path, fix_text, load_rules, parse_rules

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "fixes"
RULES = ROOT / "corpora" / "fixes.yaml"
SEED = ROOT / "corpora" / "articles" / "000_5f133f87dbb76714.txt"
SUGGEST = DATA / "suggest"


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
    hyp = (SUGGEST / "flores200-devtest.300.hyp.en.txt").read_text().splitlines()
    ref = (SUGGEST / "flores200-devtest.300.en.txt").read_text().splitlines()
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
    suggested = yaml.safe_load(out)
    finds = [r["find"] for r in suggested]
    assert finds[0] == "Beyond The Line"
    assert "or not or not" in finds
    assert "10 hypothesis lines" in suggested[0]["note"]
    # pasted as they are, the rules are refused until each replace is written
    (tmp_path / "rules.yaml").write_text(out)
    with pytest.raises(RulesError, match="rule 'suggested-beyond-the-line' \\(#1\\): replace is still"):
        load_rules(tmp_path / "rules.yaml")
    for rule in suggested:
        rule["replace"] = "x"
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(suggested))
    assert len(load_rules(tmp_path / "rules.yaml").rules) == len(suggested)


def test_placeholder_rule_is_refused_naming_it(tmp_path, capsys):
    (tmp_path / "x.txt").write_text("Kiev\n")
    assert main(["fix", "--rules", str(DATA / "placeholder.yaml"), str(tmp_path / "x.txt"),
                 str(tmp_path / "y.txt")]) == 2
    err = capsys.readouterr().err
    assert "rule 'suggested-beyond-the-line' (#2): replace is still the placeholder 'TODO'" in err
    assert not (tmp_path / "y.txt").exists()


def _folder_with_one_bad_file(root: Path) -> Path:
    src = root / "in"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("Kiev said Beyond The Line.\n")
    (src / "bad.txt").write_bytes(b"Kiev \xe8 bello\n")  # Latin-1, not UTF-8
    (src / "sub" / "c.en.txt").write_text("Trump defeated Putin, describing him as mad.\n")
    (src / "loop.txt").symlink_to(src / "loop.txt")
    (src / ".hidden.txt").write_text("Kiev\n")
    (src / ".git").mkdir()
    (src / ".git" / "d.txt").write_text("Kiev\n")
    return src


def test_folder_with_bad_files_reports_them_and_fixes_the_rest(tmp_path, capsys):
    src = _folder_with_one_bad_file(tmp_path)
    out = tmp_path / "out"
    assert main(["fix", "--rules", str(RULES), "--diff", str(src), str(out)]) == 1
    assert (out / "a.txt").read_text() == "Kyiv said Al Jazeera.\n"
    assert (out / "sub" / "c.en.txt").read_text() == "Trump lambasted Putin, describing him as mad.\n"
    # hidden files and folders are not inputs; nothing is left of the failed ones, no temp files
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == ["a.txt", "sub", "sub/c.en.txt"]
    err = capsys.readouterr().err
    failed = [line for line in err.splitlines() if line.startswith("failed: ")]
    assert len(failed) == 2
    assert "bad.txt is not UTF-8 text" in failed[0] and "loop.txt is a symlink loop" in failed[1]
    assert "3 replacement(s) in 2 file(s); 2 file(s) failed" in err
    assert "internal error" not in err and "Traceback" not in err


def test_fix_path_reports_per_file_and_sums_counts(tmp_path):
    src = _folder_with_one_bad_file(tmp_path)
    report = fix_path(src, tmp_path / "out", load_rules(RULES))
    assert [Path(f.source).name for f in report.fixed] == ["a.txt", "c.en.txt"]
    assert sum(report.counts.values()) == 3 and len(report.failed) == 2
    assert report.fixed[0].target == str(tmp_path / "out" / "a.txt")


def test_single_bad_file_fails_with_exit_1(tmp_path, capsys):
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\n")
    assert main(["fix", "--rules", str(RULES), str(tmp_path / "bad.txt"), str(tmp_path / "y.txt")]) == 1
    assert "failed: " in capsys.readouterr().err
    assert not (tmp_path / "y.txt").exists()


def test_output_is_written_whole_with_the_umask(tmp_path):
    (tmp_path / "a.txt").write_text("Kiev\n")
    old = os.umask(0o022)
    try:
        assert main(["fix", "--rules", str(RULES), str(tmp_path / "a.txt"), str(tmp_path / "out")]) == 0
    finally:
        os.umask(old)
    assert (tmp_path / "out").read_text() == "Kyiv\n"
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "out"]


@pytest.mark.parametrize("make_out", [
    pytest.param(lambda d: d / "a.txt", id="same-path"),
    pytest.param(lambda d: d, id="folder-holding-it"),
    pytest.param(lambda d: d / "link.txt", id="symlink"),
    pytest.param(lambda d: d / "hard.txt", id="hard-link"),
])
def test_file_onto_itself_is_refused(make_out, tmp_path, capsys):
    (tmp_path / "a.txt").write_text("Kiev\n")
    (tmp_path / "link.txt").symlink_to(tmp_path / "a.txt")
    os.link(tmp_path / "a.txt", tmp_path / "hard.txt")
    assert main(["fix", "--rules", str(RULES), str(tmp_path / "a.txt"), str(make_out(tmp_path))]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "is the input file itself" in err and err.count("\n") == 1
    assert (tmp_path / "a.txt").read_text() == "Kiev\n"


@pytest.mark.parametrize("out", ["in", "in/fixed", ".", "in/../in"])
def test_overlapping_folders_are_refused(out, tmp_path, capsys):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("Kiev\n")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    assert main(["fix", "--rules", str(RULES), str(tmp_path / "in"), str(tmp_path / out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "overlap" in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    assert (tmp_path / "in" / "a.txt").read_text() == "Kiev\n"


def test_folder_into_a_file_is_refused(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("Kiev\n")
    (tmp_path / "out.txt").write_text("keep\n")
    assert main(["fix", "--rules", str(RULES), str(tmp_path / "in"), str(tmp_path / "out.txt")]) == 2
    assert "must be a folder" in capsys.readouterr().err
    assert (tmp_path / "out.txt").read_text() == "keep\n"


def test_nested_quantifier_on_a_long_line_ends_quickly(tmp_path):
    (tmp_path / "rules.yaml").write_text(
        "- {id: nested, side: target, find: '(a+)+$', replace: x, regex: true}\n")
    (tmp_path / "a.txt").write_text("a" * 40 + "b\n")
    start = time.monotonic()
    assert main(["fix", "--rules", str(tmp_path / "rules.yaml"), str(tmp_path / "a.txt"),
                 str(tmp_path / "b.txt")]) == 0
    assert time.monotonic() - start < 10
    assert (tmp_path / "b.txt").read_text() == "a" * 40 + "b\n"


@pytest.mark.slow
def test_backtracking_rule_is_stopped_naming_rule_file_and_line(tmp_path, capsys):
    # `regex` resolves (a+)+$ itself; (a|aa)+$ still backtracks exponentially and must be stopped
    (tmp_path / "rules.yaml").write_text(
        "- {id: city, side: target, find: Kiev, replace: Kyiv}\n"
        "- {id: runaway, side: target, find: '(a|aa)+$', replace: x, regex: true}\n")
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("Kiev\n")
    (src / "b.txt").write_text("fine\n" + "a" * 40 + "!\n")
    start = time.monotonic()
    assert main(["fix", "--rules", str(tmp_path / "rules.yaml"), str(src), str(tmp_path / "out")]) == 1
    assert time.monotonic() - start < 10
    err = capsys.readouterr().err
    assert f"failed: {src / 'b.txt'}: line 2: rule 'runaway' ran over 2 s" in err
    assert (tmp_path / "out" / "a.txt").read_text() == "Kyiv\n"
    assert not (tmp_path / "out" / "b.txt").exists()
    # the library raises an InputError, so a folder run (mt translate) fails that file only
    ruleset = load_rules(tmp_path / "rules.yaml")
    with pytest.raises(RuleTimeout, match="rule 'runaway'") as caught:
        ruleset.apply("a" * 40 + "!", "target")
    assert isinstance(caught.value, InputError)


def test_apply_rules_takes_a_loaded_rule_set():
    assert mt.apply_rules("Kiev, 2024", mt.load_rules(RULES)) == "Kyiv, 2024"
    assert mt.apply_rules("Kiev", load_rules(RULES), "source") == "Kiev"
