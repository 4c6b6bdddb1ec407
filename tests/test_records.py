"""mt.records: the aligned record, its writer and its one validating reader (every bad case a data line)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mt.cli import main
from mt.errors import InputError
from mt.records import AlignedRecord, read_records, write_jsonl

DATA = Path(__file__).parent / "data" / "corpus"
GOOD = '{"paragraph": 0, "sentence": 0, "source": "Ciao.", "target": "Hello."}\n'


def _bad_cases() -> list[tuple[str, bytes, str]]:
    cases = []
    for line in (DATA / "bad_records.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        name, record, expected = line.split("\t")
        record = record.replace("DEEP", "[" * 100_000 + "]" * 100_000).replace("1LONG", "1" * 5000)
        raw = record.encode("utf-8").decode("unicode_escape").encode("latin-1")
        cases.append(pytest.param(raw, expected, id=name))
    return cases


def test_records_round_trip_through_the_writer(tmp_path):
    records = [AlignedRecord(0, 0, "Ciao.", "Hello."),
               AlignedRecord(3, 7, "Città «vecchia»", "", parts=2, degenerate=True, score=-0.25,
                             source_raw="Citta vecchia", target_raw="x")]
    path = tmp_path / "a.aligned.jsonl"
    path.write_text(write_jsonl(records), encoding="utf-8")
    assert list(read_records(path)) == records
    assert '"source_raw"' not in write_jsonl(records[:1])  # absent, not null, when there is none


@pytest.mark.parametrize("raw,expected", _bad_cases())
def test_bad_record_is_an_error_naming_file_and_line(tmp_path, raw, expected):
    path = tmp_path / "x.aligned.jsonl"
    path.write_bytes(GOOD.encode() + raw + b"\n" + GOOD.encode())
    with pytest.raises(InputError) as e:
        list(read_records(path))
    message = str(e.value)
    assert message.startswith(f"{path}:2: {expected}")
    assert "\n" not in message and len(message) < 300


@pytest.mark.parametrize("raw,expected", _bad_cases()[:6])
def test_build_stops_on_a_bad_record_and_leaves_nothing(tmp_path, capsys, raw, expected):
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "manifest.json").write_text('{"origin": "human", "files": {}}')
    (folder / "a.aligned.jsonl").write_text(GOOD)
    (folder / "x.aligned.jsonl").write_bytes(GOOD.encode() + raw + b"\n")
    assert main(["corpus", "build", str(folder), "--to", str(tmp_path / "ds"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {folder / 'x.aligned.jsonl'}:2: {expected}") and err.count("\n") == 1
    assert [p.name for p in tmp_path.iterdir()] == ["t"]


def test_blank_lines_and_a_bom_are_read(tmp_path):
    path = tmp_path / "a.aligned.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode() + b"\n  \n" + GOOD.encode())
    assert len(list(read_records(path))) == 2
