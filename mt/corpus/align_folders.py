"""Aligning folders of article pairs matched by name: OUT/NAME.aligned.jsonl per pair and a manifest.

The output folder (names, manifest, lock, atomic writes) is mt.output_folder's; a pair that fails is
recorded and the rest go on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from mt.corpus.align import Bead, align
from mt.document import article_name, read_article
from mt.errors import InputError, UsageError
from mt.files import atomic_write, find_files
from mt.output_folder import ENGLISH_SUFFIX, Manifest, locked, records_path
from mt.records import AlignedRecord, write_jsonl

log = logging.getLogger(__name__)

ITALIAN_SUFFIX = ".it.txt"


@dataclass
class Pairing:
    """The articles of two folders matched by name, and those left without a partner."""

    pairs: dict[str, tuple[Path, Path]] = field(default_factory=dict)
    unmatched: dict[str, tuple[str, Path]] = field(default_factory=dict)  # name -> (lang, path)
    problems: dict[str, str] = field(default_factory=dict)  # rel -> why it cannot be read


@dataclass
class AlignReport:
    done: int = 0
    failed: int = 0
    beads: int = 0


def _articles(folder: Path, lang: str, problems: dict[str, str]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    # the other language's files are not ours; X.it.txt sorts before a stray X.txt beside it, and wins
    other = ENGLISH_SUFFIX if lang == "it" else ITALIAN_SUFFIX
    for f in find_files(folder, (".txt",), exclude_suffixes=(other,)):
        name = article_name(f.rel)
        if f.problem:
            problems[f.rel] = f"{folder / f.rel} {f.problem}"
        elif name not in found:
            found[name] = f.path
    return found


def pair_articles(it_dir: Path, en_dir: Path) -> Pairing:
    """Match `X.it.txt`/`X.txt` in it_dir with `X.en.txt`/`X.txt` in en_dir (subfolders kept in X)."""
    for folder in (it_dir, en_dir):
        if not folder.is_dir():
            raise InputError(f"{folder} is not a folder; give two folders, or two files")
    pairing = Pairing()
    italian = _articles(it_dir, "it", pairing.problems)
    english = _articles(en_dir, "en", pairing.problems)
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


def align_folders(it_dir: str | Path, en_dir: str | Path, out: str | Path, *, translator=None,
                  wait: float | None = None) -> AlignReport:
    """Align every matched pair of the two folders into `out`; unmatched names are failures.

    `out` is locked for the run: another run holding it is waited for up to `wait` seconds.
    """
    it_dir, en_dir, out = Path(it_dir), Path(en_dir), Path(out)
    pairing = pair_articles(it_dir, en_dir)
    if not pairing.pairs:
        raise InputError(f"no article in {it_dir} has a partner in {en_dir}; name them X.it.txt and "
                         f"X.en.txt (or X.txt and X.en.txt)")
    if out.resolve() in (it_dir.resolve(), en_dir.resolve()):
        raise UsageError("the output folder must be a folder other than the input folders")
    model = None if translator is None else translator.model
    settings = {"method": "no-mt"} if translator is None else {"method": "mt", "model": model}
    with locked(out, wait):
        manifest = Manifest(out, "align", model=model, settings=settings)
        try:
            return _align_pairs(pairing, it_dir, en_dir, out, manifest, translator)
        finally:
            manifest.close()


def _align_pairs(pairing: Pairing, it_dir: Path, en_dir: Path, out: Path, manifest: Manifest,
                 translator) -> AlignReport:
    from tqdm import tqdm

    report = AlignReport()
    for rel, problem in pairing.problems.items():
        log.error("%s", problem)
        manifest.record(rel, {"status": "failed", "error": problem})
        report.failed += 1
    for name, (lang, path) in pairing.unmatched.items():
        other = "English" if lang == "it" else "Italian"
        log.warning("%s has no %s partner; skipped", path, other)
        rel = path.relative_to(it_dir if lang == "it" else en_dir).as_posix()
        manifest.record(name, {"status": "failed", lang: rel, "error": f"no {other} file named {name}"})
        report.failed += 1
    for name, (it_path, en_path) in tqdm(pairing.pairs.items(), desc="align", unit="pair",
                                          disable=len(pairing.pairs) < 2):
        entry = {"it": it_path.relative_to(it_dir).as_posix(), "en": en_path.relative_to(en_dir).as_posix()}
        try:
            beads = align(read_article(it_path), read_article(en_path), translator=translator)
            atomic_write(records_path(out, name), write_jsonl(bead_records(beads)), root=out)
        except InputError as e:
            log.error("%s: %s", name, e)
            manifest.record(name, {"status": "failed", "beads": 0, **entry, "error": str(e)})
            report.failed += 1
        else:
            manifest.record(name, {"status": "done", "beads": len(beads), **entry})
            report.done += 1
            report.beads += len(beads)
    return report
