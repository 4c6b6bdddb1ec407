"""Aligning folders of article pairs matched by name: DIR/NAME.aligned.jsonl per pair and a manifest.

Outputs are written atomically (mt.runs.atomic_write); a pair that fails is recorded and the rest go on.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from mt.corpus.align import Bead, align
from mt.document import article_name, read_article
from mt.errors import InputError, ModelLoadError, MtError, UsageError
from mt.records import AlignedRecord, write_jsonl
from mt.runs import atomic_write

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
RECORDS_SUFFIX = ".aligned.jsonl"


@dataclass
class Pairing:
    """The articles of two folders matched by name, and those left without a partner."""

    pairs: dict[str, tuple[Path, Path]] = field(default_factory=dict)
    unmatched: dict[str, tuple[str, Path]] = field(default_factory=dict)  # name -> (lang, path)


@dataclass
class AlignReport:
    done: int = 0
    failed: int = 0
    beads: int = 0


def _articles(folder: Path, lang: str) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted(folder.rglob("*.txt")):
        if not path.is_file() or any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        rel = path.relative_to(folder).as_posix()
        name = article_name(rel)
        # X.it.txt wins over a stray X.txt beside it; the other language's files are not ours.
        if rel.endswith(".en.txt" if lang == "it" else ".it.txt") or name in found:
            continue
        found[name] = path
    return found


def pair_articles(it_dir: Path, en_dir: Path) -> Pairing:
    """Match `X.it.txt`/`X.txt` in it_dir with `X.en.txt`/`X.txt` in en_dir (subfolders kept in X)."""
    for folder in (it_dir, en_dir):
        if not folder.is_dir():
            raise InputError(f"{folder} is not a folder; give two folders, or two files")
    italian, english = _articles(it_dir, "it"), _articles(en_dir, "en")
    pairing = Pairing()
    for name in sorted(italian.keys() | english.keys()):
        if name in italian and name in english:
            pairing.pairs[name] = (italian[name], english[name])
        elif name in italian:
            pairing.unmatched[name] = ("it", italian[name])
        else:
            pairing.unmatched[name] = ("en", english[name])
    return pairing


def bead_records(beads: list[Bead]) -> list[AlignedRecord]:
    """One AlignedRecord per bead, placed at its first Italian sentence (first English one for 0:1)."""
    return [AlignedRecord(paragraph=b.first.paragraph, sentence=b.first.sentence, source=b.source,
                          target=b.target, score=round(b.score, 4)) for b in beads]


def align_folders(it_dir: str | Path, en_dir: str | Path, out: str | Path, *, translator=None) -> AlignReport:
    """Align every matched pair of the two folders into `out`; unmatched names are failures."""
    it_dir, en_dir, out = Path(it_dir), Path(en_dir), Path(out)
    pairing = pair_articles(it_dir, en_dir)
    if not pairing.pairs:
        raise InputError(f"no article in {it_dir} has a partner in {en_dir}; name them X.it.txt and "
                         f"X.en.txt (or X.txt and X.en.txt)")
    if out.resolve() in (it_dir.resolve(), en_dir.resolve()):
        raise UsageError("--out must be a folder other than the input folders")
    aligner = {"method": "no-mt"} if translator is None else {"method": "mt", "model": translator.model}
    files: dict[str, dict] = {}
    report = AlignReport()

    def save() -> None:
        manifest = {"origin": "human", "aligner": aligner, "files": dict(sorted(files.items()))}
        atomic_write(out / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")

    for name, (lang, path) in pairing.unmatched.items():
        other = "English" if lang == "it" else "Italian"
        log.warning("%s has no %s partner; skipped", path, other)
        rel = path.relative_to(it_dir if lang == "it" else en_dir).as_posix()
        files[name] = {"status": "failed", lang: rel, "error": f"no {other} file named {name}"}
        report.failed += 1
    from tqdm import tqdm

    for name, (it_path, en_path) in tqdm(pairing.pairs.items(), desc="align", unit="pair",
                                          disable=len(pairing.pairs) < 2):
        entry = {"it": it_path.relative_to(it_dir).as_posix(), "en": en_path.relative_to(en_dir).as_posix()}
        try:
            beads = align(read_article(it_path), read_article(en_path), translator=translator)
            atomic_write(out / f"{name}{RECORDS_SUFFIX}", write_jsonl(bead_records(beads)))
        except MtError as e:
            if isinstance(e, ModelLoadError):
                raise  # every pair would fail the same way
            log.error("%s: %s", name, e)
            files[name] = {"status": "failed", "beads": 0, **entry, "error": str(e)}
            report.failed += 1
        else:
            files[name] = {"status": "done", "beads": len(beads), **entry}
            report.done += 1
            report.beads += len(beads)
        save()
    save()
    return report
