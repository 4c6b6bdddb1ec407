"""Tests for mt.evaluate and `mt evaluate`: sacrebleu equality, matching, comparison, reports, fixes."""

import json
import random
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sacrebleu.metrics import BLEU, CHRF, TER

from mt.cli import main
from mt.evaluate.metrics import Scorer

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
FLORES_HYP = SHARED / "opus-mt-it-en-outputs" / "flores200-devtest.hyp.en"
FLORES_REF = SHARED / "flores200-devtest" / "en.txt"
FLORES_SRC = SHARED / "flores200-devtest" / "it.txt"


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
def test_flores_equals_sacrebleu_and_published(capsys):
    data = run_json(["--hyp", str(FLORES_HYP), "--ref", str(FLORES_REF)], capsys)
    hyp, refs = lines(FLORES_HYP), [lines(FLORES_REF)]
    corpus = data["corpus"]
    for key, metric in (("bleu", BLEU()), ("chrf", CHRF()), ("chrfpp", CHRF(word_order=2)), ("ter", TER())):
        assert corpus[key] == pytest.approx(metric.corpus_score(hyp, refs).score, abs=0.01)
        assert corpus["signature"][key] == metric.get_signature().format()
    assert round(corpus["bleu"], 2) == 29.47 and round(corpus["chrf"], 2) == 60.02
    sent = data["sentences"][3]
    assert sent["chrf"] == pytest.approx(CHRF().sentence_score(hyp[3], [refs[0][3]]).score, abs=1e-4)
    assert sent["bleu"] == pytest.approx(
        BLEU(effective_order=True).sentence_score(hyp[3], [refs[0][3]]).score, abs=1e-4)


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
