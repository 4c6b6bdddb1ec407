"""Tests for mt.evaluate and `mt evaluate`: sacrebleu equality, matching, comparison, reports, fixes."""

import io
import json
import random
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sacrebleu.metrics import BLEU, CHRF, TER

from mt.cli import main
from mt.evaluate import evaluate
from mt.evaluate.metrics import METRIC, METRICS, Scorer
from mt.fixes import load_rules

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"  # the whole public sets, beside the repository where available
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="needs the whole public sets in ../shared/data")
PUBLIC = ROOT / "tests" / "data" / "public"  # their first lines, shipped (see its README)
FLORES_HYP = PUBLIC / "opus-mt-it-en-outputs" / "flores200-devtest.hyp.en"
FLORES_REF = PUBLIC / "flores200-devtest" / "en.txt"
FLORES_SRC = PUBLIC / "flores200-devtest" / "it.txt"


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def write(path: Path, rows: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def run_json(args, capsys) -> dict:
    assert main(["evaluate", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def degrade(rows: list[str], seed: int = 7) -> list[str]:
    """Drop two words in 30% of the lines (fixed seed)."""
    rng = random.Random(seed)
    out = []
    for row in rows:
        words = row.split()
        if rng.random() < 0.3 and len(words) > 3:
            for _ in range(2):
                del words[rng.randrange(len(words))]
        out.append(" ".join(words))
    return out


@pytest.mark.slow
@needs_shared
def test_flores_equals_sacrebleu_and_published(capsys):
    full_hyp = SHARED / "opus-mt-it-en-outputs" / "flores200-devtest.hyp.en"
    full_ref = SHARED / "flores200-devtest" / "en.txt"
    data = run_json(["--hyp", str(full_hyp), "--ref", str(full_ref)], capsys)
    hyp, refs = lines(full_hyp), [lines(full_ref)]
    corpus = data["corpus"]
    for key, metric in (("bleu", BLEU()), ("chrf", CHRF()), ("chrfpp", CHRF(word_order=2)), ("ter", TER())):
        assert corpus[key] == pytest.approx(metric.corpus_score(hyp, refs).score, abs=0.01)
        assert corpus["signature"][key] == metric.get_signature().format()
    assert round(corpus["bleu"], 2) == 29.47 and round(corpus["chrf"], 2) == 60.02
    sent = data["sentences"][3]
    assert sent["chrf"] == pytest.approx(CHRF().sentence_score(hyp[3], [refs[0][3]]).score, abs=1e-4)
    assert sent["bleu"] == pytest.approx(
        BLEU(effective_order=True).sentence_score(hyp[3], [refs[0][3]]).score, abs=1e-4)


@needs_shared
@pytest.mark.slow
def test_newstest2009_bleu_chrf_equal_published():
    hyp = lines(SHARED / "opus-mt-it-en-outputs" / "newstest2009.hyp.en")
    ref = [lines(SHARED / "newstest2009" / "en.txt")]
    scorer = Scorer(hyp, ref, ("bleu", "chrf"))
    assert scorer.corpus("bleu").score == pytest.approx(BLEU().corpus_score(hyp, ref).score, abs=1e-9)
    # documents add up BLEU's public sentence statistics: the whole set that way equals corpus_score
    assert scorer.span("bleu", 0, len(hyp)) == pytest.approx(scorer.corpus("bleu").score, abs=1e-9)
    assert round(scorer.corpus("bleu").score, 2) == 33.48
    assert round(scorer.corpus("chrf").score, 2) == 59.18


@pytest.mark.slow
def test_degraded_system_loses_and_report_shows_documents(tmp_path, capsys):
    hyp, ref, src = lines(FLORES_HYP)[:400], lines(FLORES_REF)[:400], lines(FLORES_SRC)[:400]
    hyp[5] = "<script>alert('x')</script> & co"
    base = write(tmp_path / "base.en.txt", hyp)
    worse = write(tmp_path / "worse.en.txt", degrade(hyp))
    docs = write(tmp_path / "docs.tsv", ["doc.a\t150", "doc.b\t200", "doc.c\t50"])
    report = tmp_path / "report.html"
    data = run_json(["--hyp", str(base), "--hyp", str(worse), "--ref", str(write(tmp_path / "ref.txt", ref)),
                     "--src", str(write(tmp_path / "src.txt", src)), "--docs", str(docs),
                     "--report", str(report), "--trials", "2000"], capsys)
    baseline, system = data["comparison"]
    assert baseline["baseline"] and baseline["system"] == str(base)
    assert not system["baseline"] and system["system"] == str(worse)
    for key in ("bleu", "chrf"):
        assert system[key]["score"] < baseline[key]["score"]
        assert system[key]["p_bootstrap"] < 0.05 and system[key]["p_ar"] < 0.05
        assert system[key]["ci"][0] < system[key]["score"] < system[key]["ci"][1]
    assert data["comparison_settings"]["seed"] == 12345
    assert [d["name"] for d in data["documents"]] == ["doc.a", "doc.b", "doc.c"]

    page = report.read_text(encoding="utf-8")
    tables = TableParser()
    tables.feed(page)
    assert {row[0] for row in tables.rows["documents"][1:]} == {"doc.a", "doc.b", "doc.c"}
    assert len(tables.rows["comparison"]) == 3
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert main(["evaluate", "--hyp", str(base), "--ref", str(tmp_path / "ref.txt"),
                 "--report", str(tmp_path / "r.md")]) == 0
    assert "| document | lines |" in (tmp_path / "r.md").read_text(encoding="utf-8")


class TableParser(HTMLParser):
    """Rows of cell texts per table id."""

    def __init__(self):
        super().__init__()
        self.rows, self.table, self.cell = {}, None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.table = dict(attrs).get("id") or dict(attrs).get("class")
            self.rows[self.table] = []
        elif tag == "tr":
            self.rows[self.table].append([])
        elif tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.rows[self.table][-1].append(self.cell.strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def test_folders_match_by_name_and_errors_name_the_file(tmp_path, capsys):
    ref = lines(FLORES_REF)[:20]
    hyp = lines(FLORES_HYP)[:20]
    write(tmp_path / "out" / "news" / "a.en.txt", hyp[:10])
    write(tmp_path / "out" / "b.en.txt", ["", *hyp[10:]])
    write(tmp_path / "out" / "b.aligned.jsonl", ["{}"])
    write(tmp_path / "refs" / "news" / "a.txt", ref[:10])
    write(tmp_path / "refs" / "b.en.txt", ["", *ref[10:]])
    write(tmp_path / "refs" / "b.it.txt", ["", *lines(FLORES_SRC)[10:20]])
    write(tmp_path / "refs" / "news" / "a.it.txt", lines(FLORES_SRC)[:10])
    data = run_json(["--hyp", str(tmp_path / "out"), "--ref", str(tmp_path / "refs"),
                     "--src", str(tmp_path / "refs")], capsys)
    assert [(d["name"], d["lines"]) for d in data["documents"]] == [("b", 10), ("news/a", 10)]
    assert data["sentences"][0]["line"] == 2 and data["sentences"][0]["src"] == lines(FLORES_SRC)[10]
    assert data["corpus"]["bleu"] == pytest.approx(BLEU().corpus_score(hyp[10:] + hyp[:10],
                                                                       [ref[10:] + ref[:10]]).score, abs=1e-3)

    write(tmp_path / "refs" / "news" / "a.txt", ref[:9])
    assert main(["evaluate", "--hyp", str(tmp_path / "out"), "--ref", str(tmp_path / "refs")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "a.en.txt has 10 lines" in err and "a.txt has 9" in err
    (tmp_path / "refs" / "news" / "a.txt").unlink()
    assert main(["evaluate", "--hyp", str(tmp_path / "out"), "--ref", str(tmp_path / "refs")]) == 2
    assert "no reference" in (err := capsys.readouterr().err) and "news/a.en.txt" in err


@pytest.mark.slow
def test_fixes_report_applied_counts_and_deltas(tmp_path, capsys):
    hyp, ref = lines(FLORES_HYP)[:200], lines(FLORES_REF)[:200]
    for i in range(0, 200, 20):
        hyp[i] += " Dorsa Jabbari of Beyond The Line reported from Istanbul of Turkiye."
        ref[i] += " Dorsa Jabbari of Al Jazeera reported from Istanbul, Turkiye."
    rules = write(tmp_path / "rules.yaml", [
        (ROOT / "corpora" / "fixes.yaml").read_text(encoding="utf-8"),
        "- id: hurts\n  side: target\n  find: the\n  replace: teh\n  note: a rule that hurts",
    ])
    data = run_json(["--hyp", str(write(tmp_path / "h.en.txt", hyp)), "--ref",
                     str(write(tmp_path / "r.en.txt", ref)), "--fixes", str(rules)], capsys)
    fixes = {f["id"]: f for f in data["fixes"]}
    for rule_id in ("en-al-jazeera-literal", "en-istanbul-turkiye"):
        assert fixes[rule_id]["applied"] == 10
        assert fixes[rule_id]["delta_bleu"] > 0 and fixes[rule_id]["delta_chrf"] > 0
    assert fixes["hurts"]["applied"] > 100 and fixes["hurts"]["delta_bleu"] < 0
    assert fixes["en-oval-office-case"] == {"id": "en-oval-office-case", "side": "target", "evaluated": True,
                                            "applied": 0, "delta_bleu": 0.0, "delta_chrf": 0.0}
    assert fixes["it-al-jazeera-literal"] == {"id": "it-al-jazeera-literal", "side": "source",
                                              "evaluated": False}
    assert "Al Jazeera" in data["sentences"][0]["hyp"]


def test_shipped_examples_are_line_aligned_and_evaluate(capsys):
    refs, articles = ROOT / "corpora" / "references", ROOT / "corpora" / "articles"
    data = run_json(["--hyp", str(refs), "--ref", str(refs), "--src", str(articles)], capsys)
    assert len(data["documents"]) == len(list(articles.glob("*.txt"))) >= 3
    assert data["corpus"]["bleu"] == pytest.approx(100.0) and data["corpus"]["ter"] == pytest.approx(0.0)


# ------------------------------------------------------------------ small cases, no shared data needed

REFERENCES = ROOT / "corpora" / "references"


def reference_lines(n: int) -> list[str]:
    """n non-blank English lines from the shipped references (repeated, each made distinct)."""
    rows = [row for p in sorted(REFERENCES.glob("*.en.txt")) for row in lines(p) if row.strip()]
    return [f"{rows[i % len(rows)]} ({i})" for i in range(n)]


def drop_words(rows: list[str], every: int, keep: float = 0.5) -> list[str]:
    """Every `every`-th line keeps only its first `keep` share of words: a worse translation."""
    return [" ".join(r.split()[: max(1, int(len(r.split()) * keep))]) if i % every == 0 else r
            for i, r in enumerate(rows)]


def one_line_error(capsys) -> str:
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert err.startswith("error: ") and "\n" not in err and "internal error" not in err, captured.err
    return err


def test_empty_or_blank_only_files_exit_2_with_one_line(tmp_path, capsys):
    empty_hyp, empty_ref = write(tmp_path / "e.en.txt", []), write(tmp_path / "e.txt", [])
    empty_hyp.write_text("", encoding="utf-8")
    empty_ref.write_text("", encoding="utf-8")
    blank_hyp = write(tmp_path / "b.en.txt", ["", "  ", "\t"])
    blank_ref = write(tmp_path / "b.txt", ["", "", ""])
    for hyp, ref in ((empty_hyp, empty_ref), (blank_hyp, blank_ref)):
        assert main(["evaluate", "--hyp", str(hyp), "--ref", str(ref)]) == 2
        assert "nothing to score" in one_line_error(capsys)
    folders = tmp_path / "out", tmp_path / "refs"
    write(folders[0] / "a.en.txt", ["", ""])
    write(folders[1] / "a.txt", [" ", ""])
    assert main(["evaluate", "--hyp", str(folders[0]), "--ref", str(folders[1])]) == 2
    assert "nothing to score" in one_line_error(capsys)
    # an empty hypothesis for a non-empty reference is a length mismatch, said in one line
    assert main(["evaluate", "--hyp", str(empty_hyp), "--ref", str(write(tmp_path / "r.txt", ["A."]))]) == 2
    assert "has 0 lines" in one_line_error(capsys)


def test_blank_hypotheses_score_zero_as_sacrebleu(tmp_path, capsys):
    ref = reference_lines(3)
    hyp = ["", " ", ""]
    data = run_json(["--hyp", str(write(tmp_path / "h.en.txt", hyp)),
                     "--ref", str(write(tmp_path / "r.txt", ref))], capsys)
    for key, metric in (("bleu", BLEU()), ("chrf", CHRF()), ("chrfpp", CHRF(word_order=2)), ("ter", TER())):
        assert data["corpus"][key] == pytest.approx(metric.corpus_score(hyp, [ref]).score, abs=1e-4)
    assert data["corpus"]["bleu"] == 0 and data["corpus"]["chrf"] == 0 and data["corpus"]["ter"] == 100


def test_hypothesis_from_standard_input_as_sacrebleu(tmp_path, capsys, monkeypatch):
    ref = reference_lines(12)
    hyp = drop_words(ref, 3)
    ref_file = write(tmp_path / "r.txt", ref)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(("\n".join(hyp) + "\n").encode("utf-8"))))
    data = run_json(["--hyp", "-", "--ref", str(ref_file)], capsys)
    assert data["corpus"]["bleu"] == pytest.approx(BLEU().corpus_score(hyp, [ref]).score, abs=1e-4)
    assert data["corpus"]["chrf"] == pytest.approx(CHRF().corpus_score(hyp, [ref]).score, abs=1e-4)
    assert data["systems_evaluated"] == ["-"]
    assert main(["evaluate", "--hyp", "-", "--hyp", "-", "--ref", str(ref_file)]) == 2
    assert "only once" in one_line_error(capsys)
    assert main(["evaluate", "--hyp", str(ref_file), "--ref", "-"]) == 2
    assert "standard input" in one_line_error(capsys)


def test_scorer_uses_public_sacrebleu_and_equals_it_per_corpus_document_and_sentence():
    ref = reference_lines(30)
    hyp = drop_words(ref, 2)
    refs = [ref]
    scorer = Scorer(hyp, refs)
    for spec in METRICS:
        corpus = spec.factory().corpus_score(hyp, refs)
        assert scorer.corpus(spec.key).score == pytest.approx(corpus.score, abs=1e-9)
        document = spec.factory().corpus_score(hyp[5:17], [ref[5:17]])
        assert scorer.span(spec.key, 5, 17) == pytest.approx(document.score, abs=1e-9)
        sentence_metric = (spec.sentence_factory or spec.factory)()
        assert scorer.sentences[spec.key][4].score == pytest.approx(
            sentence_metric.sentence_score(hyp[4], [ref[4]]).score, abs=1e-9)
        fresh = spec.factory()
        fresh.corpus_score(hyp, refs)
        assert scorer.signature(spec.key) == fresh.get_signature().format()
    # the score with some lines changed equals scoring the changed corpus from scratch
    changed = {0: "Completely different words here.", 7: ref[7]}
    new_hyp = [changed.get(i, h) for i, h in enumerate(hyp)]
    for spec in METRICS:
        assert scorer.with_changes(spec.key, changed) == pytest.approx(
            spec.factory().corpus_score(new_hyp, refs).score, abs=1e-9)


def test_no_private_sacrebleu_names_under_mt():
    private = re.compile(r"\b(_extract_corpus_statistics|_aggregate_and_compute|_compute_score_from_stats|"
                         r"_compute_f_score|_get_match_statistics|_ref_cache|_cache_references)\b")
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in sorted((ROOT / "mt").rglob("*.py"))
                 for n, row in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if private.search(row)]
    assert offenders == []


def test_leave_one_out_equals_rescoring_without_the_rule(tmp_path, capsys):
    ref = reference_lines(24)
    hyp = [r.replace("Istanbul", "Constantinople").replace("the ", "teh ") for r in ref]
    rules = write(tmp_path / "rules.yaml", [
        "- id: istanbul\n  side: target\n  find: Constantinople\n  replace: Istanbul",
        "- id: the\n  side: target\n  find: teh\n  replace: the",
        "- id: hurts\n  side: target\n  find: Russia\n  replace: Prussia",
        "- id: unused\n  side: target\n  find: zebra\n  replace: horse",
    ])
    data = run_json(["--hyp", str(write(tmp_path / "h.en.txt", hyp)),
                     "--ref", str(write(tmp_path / "r.txt", ref)), "--fixes", str(rules)], capsys)
    ruleset = load_rules(rules)
    fixed = [ruleset.apply(h, "target")[0] for h in hyp]
    effects = {f["id"]: f for f in data["fixes"]}
    for rule_id in ("istanbul", "the", "hurts", "unused"):
        without = [ruleset.without(rule_id).apply(h, "target")[0] for h in hyp]
        for key, metric in (("bleu", BLEU()), ("chrf", CHRF())):
            expected = metric.corpus_score(fixed, [ref]).score - metric.corpus_score(without, [ref]).score
            assert effects[rule_id][f"delta_{key}"] == pytest.approx(expected, abs=1e-4)
    assert effects["the"]["delta_bleu"] > 0 and effects["hurts"]["delta_chrf"] < 0
    assert effects["unused"] == {"id": "unused", "side": "target", "evaluated": True, "applied": 0,
                                 "delta_bleu": 0.0, "delta_chrf": 0.0}


@pytest.mark.slow
def test_comparison_report_shows_each_system_per_document_and_marks_significance(tmp_path, capsys):
    ref = reference_lines(90)
    base = drop_words(ref, 3, keep=0.8)
    worse = drop_words(base[:30], 1, keep=0.4) + base[30:]  # only document a is worse
    docs = write(tmp_path / "docs.tsv", ["a\t30", "b\t30", "c\t30"])
    files = [str(write(tmp_path / name, rows)) for name, rows in
             (("base.en.txt", base), ("worse.en.txt", worse), ("ref.txt", ref))]
    args = ["--hyp", files[0], "--hyp", files[1], "--ref", files[2], "--docs", str(docs), "--trials", "500",
            "--bootstrap", "300"]
    report = tmp_path / "report.html"
    report.write_text("an old report", encoding="utf-8")
    data = run_json([*args, "--report", str(report)], capsys)
    baseline_docs, system_docs = (s["documents"] for s in data["systems"])
    assert [d["name"] for d in system_docs] == ["a", "b", "c"]
    assert "p_bootstrap" not in baseline_docs[0]
    assert system_docs[0]["p_bootstrap"]["bleu"] < 0.05 and system_docs[0]["p_bootstrap"]["chrf"] < 0.05
    assert system_docs[1]["p_bootstrap"] == {"bleu": 1.0, "chrf": 1.0}  # identical output: nothing to test
    assert system_docs[0]["chrf"] < baseline_docs[0]["chrf"]

    tables = TableParser()
    tables.feed(report.read_text(encoding="utf-8"))
    header, *rows = tables.rows["documents"]
    assert header[:4] == ["document", "lines", "BLEU 1", "BLEU 2"] and len(header) == 2 + 2 * len(METRICS)
    by_name = {row[0]: row for row in rows}
    assert set(by_name) == {"a", "b", "c"}
    assert float(by_name["a"][3]) == pytest.approx(system_docs[0]["bleu"], abs=0.01)
    assert by_name["b"][2] == by_name["b"][3]
    marked = MarkedCells()
    marked.feed(report.read_text(encoding="utf-8"))
    assert marked.cells["documents"] == [("a", "worse")] * 2  # BLEU 2 and chrF 2 of document a
    assert ("worse" in {c for _, c in marked.cells["comparison"]})
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # written atomically, no temp left

    md = tmp_path / "report.md"
    assert main(["evaluate", *args, "--report", str(md)]) == 0
    md_rows = {row.split("|")[1].strip(): row for row in md.read_text(encoding="utf-8").splitlines()
               if row.startswith("| a |") or row.startswith("| b |")}
    assert md_rows["a"].count("▼") == 2 and "▼" not in md_rows["b"] and "▲" not in md_rows["a"]
    assert "document scores per system" in capsys.readouterr().out


class MarkedCells(HTMLParser):
    """(first cell of the row, class) for every better/worse cell per table id."""

    def __init__(self):
        super().__init__()
        self.cells, self.table, self.first, self.in_first = {}, None, None, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.table = attrs.get("id") or attrs.get("class")
            self.cells[self.table] = []
        elif tag == "tr":
            self.first, self.in_first = None, True
        elif tag == "td":
            for mark in ("better", "worse"):
                if mark in (attrs.get("class") or "").split():
                    self.cells[self.table].append((self.first, mark))

    def handle_endtag(self, tag):
        if tag == "td":
            self.in_first = False

    def handle_data(self, data):
        if self.in_first and self.first is None and data.strip():
            self.first = data.strip()


def test_folders_skip_hidden_files_and_folders(tmp_path, capsys):
    ref = reference_lines(4)
    write(tmp_path / "out" / "a.en.txt", ref[:2])
    write(tmp_path / "out" / ".a.en.txt.tmp-host-1-x.en.txt", ["half"])  # a writer's temp file
    write(tmp_path / "out" / ".cache" / "b.en.txt", ["one line only"])
    write(tmp_path / "refs" / "a.txt", ref[:2])
    write(tmp_path / "refs" / ".hidden" / "a.en.txt", ["not this one", "nor this"])
    data = run_json(["--hyp", str(tmp_path / "out"), "--ref", str(tmp_path / "refs")], capsys)
    assert [(d["name"], d["lines"]) for d in data["documents"]] == [("a", 2)]
    assert data["corpus"]["bleu"] == pytest.approx(100.0)


def test_evaluation_renders_itself_from_the_metric_table(tmp_path):
    ref = reference_lines(6)
    result = evaluate(write(tmp_path / "h.en.txt", drop_words(ref, 2)), write(tmp_path / "r.txt", ref))
    table = str(result)
    assert all(m.label in table.splitlines()[0] for m in METRICS)
    assert result.corpus.scores["bleu"] == result.to_dict()["corpus"]["bleu"] < 100
    assert set(result.to_dict()["sentences"][0]) >= {"index", "document", "line", "hyp", "ref", *METRIC}
