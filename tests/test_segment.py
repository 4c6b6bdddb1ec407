"""Tests for mt.segment and `mt segment`: plain case files, dev-gold scores, offsets, the CLI.

Case files in tests/data/segment/ hold `input --- expected sentences ===` blocks (sentencex's format).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from segment_gold import paragraphs_from_documents, read_cases, read_gold
from segment_score import boundaries, score_boundaries

from mt.cli import main
from mt.errors import UsageError
from mt.segment import Segmenter, Sentence, languages, segment
from mt.segment.languages import DATA, KINDS

ROOT = Path(__file__).resolve().parents[1]
CASES = Path(__file__).parent / "data" / "segment"
PUBLIC = Path(__file__).parent / "data" / "public"  # copies of public sets, see its README
CASE_FILES = {"sentencex_it.txt": "it", "it_hard.txt": "it", "it_hard_heldout.txt": "it", "en_hard.txt": "en"}


ALL_CASES = [
    pytest.param(case.text, case.sentences, lang, id=f"{name}:{i}")
    for name, lang in CASE_FILES.items()
    for i, case in enumerate(read_cases(CASES / name))
]


@pytest.mark.parametrize(("text", "expected", "lang"), ALL_CASES)
def test_cases(text, expected, lang):
    assert [s.text for s in segment(text, lang)] == expected


def test_case_files_are_complete():
    # Every sentencex Italian case is here, and the hand-made file covers 30+ cases.
    assert len(read_cases(CASES / "sentencex_it.txt")) == 35
    assert len(read_cases(CASES / "it_hard.txt")) >= 30
    assert len(read_cases(CASES / "it_hard_heldout.txt")) >= 30


@pytest.mark.parametrize(("text", "expected", "lang"), ALL_CASES)
def test_offsets(text, expected, lang):
    padded = "  " + text + " \t"
    sentences = segment(padded, lang)
    previous_end = 0
    for s in sentences:
        assert padded[s.start : s.end] == s.text
        assert s.text == s.text.strip() and s.text
        assert s.start >= previous_end
        assert padded[previous_end : s.start].strip() == ""
        previous_end = s.end
    assert padded[previous_end:].strip() == ""


def test_sentence_is_frozen_value():
    s = segment("Uno. Due.")[1]
    assert s == Sentence(5, 9, "Due.")
    with pytest.raises(AttributeError):
        s.start = 0


def test_empty_and_blank_paragraphs():
    assert segment("") == []
    assert segment("   ") == []
    assert segment("Titolo senza punto") == [Sentence(0, 18, "Titolo senza punto")]


def test_languages_registry():
    assert {"en", "it"} <= set(languages())
    with pytest.raises(UsageError, match="choose one of: en, it"):
        Segmenter("xx")


@pytest.mark.parametrize("path", sorted(DATA.glob("*.txt")), ids=lambda p: p.name)
def test_data_files_have_no_duplicates_or_unknown_kinds(path):
    entries = [line for line in path.read_text(encoding="utf-8").splitlines()
               if line.strip() and not line.startswith("#")]
    words = [e.split("\t")[0].lower() for e in entries]
    assert len(words) == len(set(words)), sorted({w for w in words if words.count(w) > 1})
    for e in entries:
        if "\t" in e:
            assert e.split("\t")[1] in KINDS


def test_boundaries_count_non_space_characters():
    assert boundaries(["Uno due.", "Tre."]) == {7}
    assert boundaries(["Solo una."]) == set()
    assert boundaries(["A.", "B.", "C."]) == {2, 4}


def test_score_counts_precision_recall_exact():
    gold = [("A. B. C.", ["A.", "B.", "C."]), ("D. E.", ["D.", "E."])]
    score = score_boundaries(gold, lambda t: [t])  # never splits
    assert (score.precision, score.recall, score.exact) == (1.0, 0.0, 0.0)
    score = score_boundaries(gold, lambda t: t.split(" "))
    assert (score.f1, score.exact) == (1.0, 1.0)
    score = score_boundaries([("A. B.", ["A. B."])], lambda t: t.split(" "))
    assert (score.precision, score.true_positives, score.predicted) == (0.0, 0, 1)


def split_with(lang):
    return lambda text: [s.text for s in segment(text, lang)]


def test_italian_dev_gold_f1():
    gold = read_gold(PUBLIC / "seg" / "ntrex_it_dev.jsonl")
    score = score_boundaries([(g.text, g.sentences) for g in gold], split_with("it"))
    assert score.f1 >= 0.996, str(score)


def test_gold_construction_reproduces_the_italian_gold():
    key = lambda g: (g.doc, g.text)  # noqa: E731
    built = paragraphs_from_documents(PUBLIC / "ntrex128-dev", "it")
    assert sorted(built, key=key) == sorted(read_gold(PUBLIC / "seg" / "ntrex_it_dev.jsonl"), key=key)


def test_english_dev_gold_f1():
    gold = paragraphs_from_documents(PUBLIC / "ntrex128-dev", "en")
    score = score_boundaries([(g.text, g.sentences) for g in gold], split_with("en"))
    # 0.997 when written; Punkt (English) reaches 0.991 on the same set.
    assert score.f1 >= 0.993, str(score)


@pytest.mark.parametrize(
    ("name", "lang", "minimum"),
    [
        # 1.000 when added; the best peer (NLTK Punkt Italian) scored 0.976, blingfire 0.969.
        ("ud_it_test.jsonl", "it", 0.985),
        # 1.000 when added; pysbd and blingfire also reach 1.000 on this small set, Punkt 0.973.
        ("ud_en_ewt_test.jsonl", "en", 0.98),
    ],
)
def test_treebank_gold_f1(name, lang, minimum):
    gold = read_gold(CASES / name)
    assert sum(len(g.sentences) - 1 for g in gold) >= 18
    score = score_boundaries([(g.text, g.sentences) for g in gold], split_with(lang))
    assert score.f1 >= minimum, str(score)


def test_rules_found_on_held_out_text():
    # A number after an abbreviation's stop is no list item; "iPhone" starts a sentence; a quote or dash
    # may stand apart from the word it opens; a.C./d.C. close a date before any capitalised word.
    cases = {
        "Si applica l'art. 6. Con la legge n. 98. La Corte decide.": 3,
        "Si veda op. cit., p. 45. L'autore dissente.": 2,
        "Era negli anni '80. Poi tutto cambiò.": 2,
        "Fu presentato il modello. iPhone 17 costa molto.": 2,
        "Sono dodici partiti. \" E' un cambiamento\", dice.": 2,
        "Fine del primo punto. - Il programma deve essere prorogato.": 2,
        "Augusto morì nel 14 d.C. Tiberio gli succedette.": 2,
        "Ne ha parlato il card. Parolin ieri.": 1,
    }
    for text, n in cases.items():
        assert len(segment(text)) == n, [s.text for s in segment(text)]


# --- the command line -------------------------------------------------------------------------


def write(tmp_path, data: bytes, name="article.txt") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def jsonl(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def test_cli_jsonl_counts_blank_lines(tmp_path, capsys):
    path = write(tmp_path, "Titolo\n\nIl dott. Rossi è qui. Poi va via.\n\n\nFine.\n".encode())
    assert main(["segment", path, "--jsonl"]) == 0
    records = jsonl(capsys.readouterr().out)
    assert records == [
        {"paragraph": 0, "sentence": 0, "start": 0, "end": 6, "text": "Titolo"},
        {"paragraph": 2, "sentence": 0, "start": 0, "end": 21, "text": "Il dott. Rossi è qui."},
        {"paragraph": 2, "sentence": 1, "start": 22, "end": 33, "text": "Poi va via."},
        {"paragraph": 5, "sentence": 0, "start": 0, "end": 5, "text": "Fine."},
    ]


def test_cli_offsets_index_the_file_lines_with_bom_and_crlf(tmp_path, capsys):
    text = "\ufeff  Primo paragrafo. Con due frasi.\r\n\r\n«Sì. No», disse.\r\n"
    path = write(tmp_path, text.encode())
    assert main(["segment", path, "--jsonl"]) == 0
    records = jsonl(capsys.readouterr().out)
    lines = text.lstrip("\ufeff").split("\r\n")
    assert [r["paragraph"] for r in records] == [0, 0, 2, 2]
    for r in records:
        assert lines[r["paragraph"]][r["start"] : r["end"]] == r["text"]
    assert records[0]["start"] == 2


def test_cli_plain_output_separates_paragraphs(tmp_path, capsys):
    path = write(tmp_path, b"Uno. Due.\n\nTre.\n")
    assert main(["segment", path]) == 0
    assert capsys.readouterr().out == "Uno.\nDue.\n\nTre.\n"


def test_cli_english(tmp_path, capsys):
    path = write(tmp_path, b"Mr. Smith left at 5 p.m. on Friday. He was tired.\n")
    assert main(["segment", path, "--lang", "en"]) == 0
    assert capsys.readouterr().out == "Mr. Smith left at 5 p.m. on Friday.\nHe was tired.\n"


def test_cli_reads_stdin(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("È tardi. Andiamo.\n".encode())))
    assert main(["segment", "-", "--jsonl"]) == 0
    assert [r["text"] for r in jsonl(capsys.readouterr().out)] == ["È tardi.", "Andiamo."]


def test_cli_missing_file(tmp_path, capsys):
    assert main(["segment", str(tmp_path / "nope.txt")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "does not exist" in err and err.count("\n") == 1


def test_cli_not_utf8(tmp_path, capsys):
    path = write(tmp_path, "Città è bella.\n".encode("latin-1"))
    assert main(["segment", path]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "not UTF-8" in err and err.count("\n") == 1


def test_cli_unknown_language(tmp_path, capsys):
    path = write(tmp_path, b"Uno.\n")
    with pytest.raises(SystemExit) as e:
        main(["segment", path, "--lang", "xx"])
    assert e.value.code == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_python_m_mt_segment_starts_without_heavy_imports(tmp_path):
    path = write(tmp_path, "Il prof. Neri è qui. Poi parla.\n".encode())
    run = subprocess.run([sys.executable, "-X", "importtime", "-m", "mt", "segment", path],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "Il prof. Neri è qui.\nPoi parla.\n"
    imported = {line.split("|")[-1].strip().split(".")[0] for line in run.stderr.splitlines()
                if line.startswith("import time:")}
    assert "mt" in imported
    assert not imported & {"torch", "transformers", "datasets", "ctranslate2"}
