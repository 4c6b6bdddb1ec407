"""Folder runs of `mt translate`: finding inputs, translating file by file, atomic outputs, manifest, resume.

The only module that writes `mt translate` output folders; a run killed at any point leaves complete files.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from mt.document import Document, article_name, read_article
from mt.errors import InputError, UsageError
from mt.records import AlignedRecord, write_jsonl
from mt.translate import Translator

MANIFEST = "manifest.json"
CACHE_NAME = ".mt-cache.sqlite"
ENGLISH_SUFFIX = ".en.txt"
RECORDS_SUFFIX = ".aligned.jsonl"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InputFile:
    """One input: `rel` is its manifest key (relative, POSIX), `base` its outputs' path minus suffix."""

    rel: str
    path: Path
    base: str
    problem: str | None = None


@dataclass
class RunReport:
    """What one run did: per input its status this run ("done", "failed" or "skipped")."""

    out: Path
    statuses: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    sentences: int = 0

    def count(self, status: str) -> int:
        return sum(1 for s in self.statuses.values() if s == status)

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0

    def summary(self) -> str:
        return (f"{self.count('done')} translated, {self.count('skipped')} skipped, "
                f"{self.count('failed')} failed; {self.sentences} sentences; outputs in {self.out}")


def find_inputs(source: Path, out: Path) -> list[InputFile]:
    """The `.txt` files of a file or folder, sorted; refused ones carry a `problem` instead of being dropped.

    Skips our own outputs (`*.en.txt`, anything under `out`); symlinked folders are not followed.
    """
    if not source.exists() and not source.is_symlink():
        raise InputError(f"{source} does not exist")
    if not source.is_dir():
        return [InputFile(source.name, source, article_name(source.name))]
    root = source.resolve()
    out_resolved = out.resolve()
    if out_resolved == root:
        raise UsageError(f"--out {out} is the input folder; choose another output folder")
    found: list[InputFile] = []
    for folder, dirs, files in os.walk(source):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if (here / d).resolve() != out_resolved)
        for name in dirs:
            if name.endswith(".txt") and not name.endswith(ENGLISH_SUFFIX):
                found.append(_input(source, here / name, "is a folder, not a text file"))
        for name in files:
            if not name.endswith(".txt") or name.endswith(ENGLISH_SUFFIX):
                continue
            path = here / name
            problem = None
            if path.is_symlink() and not path.resolve().is_relative_to(root):
                problem = "is a symlink to a file outside the input folder; refused"
            elif path.exists() and not path.is_file():
                problem = "is not a regular file"
            found.append(_input(source, path, problem))
    found.sort(key=lambda f: f.rel)
    return _refuse_clashes(found)


def _input(source: Path, path: Path, problem: str | None) -> InputFile:
    rel = path.relative_to(source).as_posix()
    return InputFile(rel, path, article_name(rel), problem)


def _refuse_clashes(inputs: list[InputFile]) -> list[InputFile]:
    """`a.txt` and `a.it.txt` would write the same outputs: the second one is refused."""
    owner: dict[str, str] = {}
    result = []
    for f in inputs:
        if f.problem is None and f.base in owner:
            clash = f"writes the same outputs ({f.base}{ENGLISH_SUFFIX}) as {owner[f.base]}; rename one"
            f = InputFile(f.rel, f.path, f.base, clash)
        elif f.problem is None:
            owner[f.base] = f.rel
        result.append(f)
    return result


def translate_document(
    doc: Document, translator: Translator, fixes=None
) -> tuple[list[str], list[AlignedRecord]]:
    """English lines (one per source line, blank lines kept) and one record per sentence.

    With `fixes` (a mt.fixes.RuleSet) source rules pre-edit each sentence and target rules post-edit its
    translation; records then keep the article's sentence and the model's output as source_raw/target_raw.
    """
    from mt.segment import segment

    places: list[tuple[int, int, str]] = []  # (line, sentence in paragraph, sentence as in the article)
    for paragraph in doc.paragraphs:
        for i, sentence in enumerate(segment(paragraph.text, "it")):
            places.append((paragraph.index, i, sentence.text))
    sources = [fixes.apply(text, "source")[0] if fixes else text for _, _, text in places]
    translations = translator.translate(sources)
    records = []
    lines: list[list[str]] = [[] for _ in doc.lines]
    for (line, i, raw), source, t in zip(places, sources, translations):
        target = fixes.apply(t.text, "target")[0] if fixes else t.text
        records.append(AlignedRecord(
            paragraph=line, sentence=i, source=source, target=target, parts=t.parts,
            degenerate=t.degenerate, score=None if t.score is None else round(t.score, 4),
            source_raw=raw if fixes else None, target_raw=t.text if fixes else None,
        ))
        if target:
            lines[line].append(target)
    return [" ".join(parts) for parts in lines], records


def english_text(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


def atomic_write(path: Path, text: str) -> None:
    """Write via a temp file in the same folder and os.replace: readers see the old or the new file, whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Manifest:
    """`OUTDIR/manifest.json`: the model, the settings, and each input's status; rewritten after each file.

    Entries made under other settings are dropped when the settings change, so they are redone.
    """

    def __init__(self, out: Path, model: str, settings: dict):
        self.path = out / MANIFEST
        self.model = model
        self.settings = settings
        self.files: dict[str, dict] = {}
        old = self._read()
        if old.get("settings") == settings:
            self.files = dict(old.get("files", {}))
        elif old.get("files"):
            log.warning("%s was made with other settings; its files will be translated again", self.path)

    def _read(self) -> dict:
        if not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError) as e:
            log.warning("ignoring unreadable %s (%s); all files will be translated again", self.path, e)
            return {}

    def done(self, rel: str, sha256: str) -> bool:
        entry = self.files.get(rel, {})
        return entry.get("status") == "done" and entry.get("sha256") == sha256

    def failed(self, rel: str) -> bool:
        return self.files.get(rel, {}).get("status") == "failed"

    def record(self, rel: str, entry: dict) -> None:
        self.files[rel] = entry
        self.save()

    def save(self) -> None:
        data = {"model": self.model, "settings": self.settings, "files": dict(sorted(self.files.items()))}
        atomic_write(self.path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def translate_path(
    source: str | Path,
    out: str | Path,
    translator: Translator | None = None,
    *,
    fixes=None,
    force: bool = False,
    retry_failed: bool = False,
    progress: bool = False,
    on_file_done: Callable[[str], None] | None = None,
    **translator_options,
) -> RunReport:
    """Translate a `.txt` file or a folder of them into `out` (see `mt translate --help` for the layout).

    Without `translator` one is made from `translator_options` with its cache in `out/.mt-cache.sqlite`.
    Files are done in sorted order; done files whose bytes and settings are unchanged are skipped (so a
    finished folder costs no model load); failed ones are retried, or only those with `retry_failed`.
    `fixes` is a RuleSet or a rules file path. `on_file_done(rel)` is called after each file is recorded.
    """
    from tqdm import tqdm
    from tqdm.contrib.logging import logging_redirect_tqdm

    if fixes is not None and not hasattr(fixes, "apply"):
        from mt.fixes import load_rules

        fixes = load_rules(fixes)
    source, out = Path(source), Path(out)
    inputs = find_inputs(source, out)
    if not inputs:
        raise InputError(f"no .txt files in {source}")
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} exists and is not a folder")
    if translator is None:
        translator_options.setdefault("cache", out / CACHE_NAME)
        translator = Translator(**translator_options)
    settings = {**translator.settings, "fixes": fixes.digest if fixes else None}
    manifest = Manifest(out, translator.model, settings)
    report = RunReport(out=out)
    bar = tqdm(total=len(inputs), unit="file", disable=not progress, file=sys.stderr, dynamic_ncols=True)
    started = time.perf_counter()
    with logging_redirect_tqdm(), bar:  # warnings print above the bar instead of through it
        for item in inputs:
            status = _run_one(item, out, translator, fixes, manifest, report, force, retry_failed)
            report.statuses[item.rel] = status
            if status == "failed":
                report.errors[item.rel] = manifest.files[item.rel]["error"]
                log.warning("%s: %s", item.rel, report.errors[item.rel])
            bar.update(1)
            rate = report.sentences / max(time.perf_counter() - started, 1e-9)
            bar.set_postfix(sentences=report.sentences, per_s=f"{rate:.1f}")
            if status != "skipped" and on_file_done:
                on_file_done(item.rel)
    if not manifest.path.exists():
        manifest.save()
    return report


def _run_one(item: InputFile, out: Path, translator: Translator, fixes, manifest: Manifest,
             report: RunReport, force: bool, retry_failed: bool) -> str:
    """Translate one input if it needs it; returns its status for this run."""
    if retry_failed and not manifest.failed(item.rel):
        return "skipped"
    started = time.perf_counter()
    sha256 = None
    try:
        if item.problem:
            raise InputError(f"{item.path} {item.problem}")
        sha256 = _sha256(item.path)
        outputs = (out / (item.base + ENGLISH_SUFFIX), out / (item.base + RECORDS_SUFFIX))
        if not force and manifest.done(item.rel, sha256) and all(p.exists() for p in outputs):
            return "skipped"
        doc = read_article(item.path)
        if not doc.paragraphs:
            log.warning("%s has no text; writing empty outputs", item.rel)
        lines, records = translate_document(doc, translator, fixes)
    except InputError as e:
        manifest.record(item.rel, {"status": "failed", "sha256": sha256, "sentences": 0, "error": str(e)})
        return "failed"
    atomic_write(outputs[0], english_text(lines))
    atomic_write(outputs[1], write_jsonl(records))
    manifest.record(item.rel, {"status": "done", "sha256": sha256, "sentences": len(records),
                               "seconds": round(time.perf_counter() - started, 3)})
    report.sentences += len(records)
    return "done"


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        raise InputError(f"{path} does not exist") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder, not a text file") from None
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror}") from None


def translate_stream(source: str | Path, stream, translator: Translator, fixes=None) -> int:
    """Translate one article (`-` is standard input) and write its English lines to `stream`.

    No manifest and no files; returns the number of sentences.
    """
    lines, records = translate_document(read_article(source), translator, fixes)
    stream.write(english_text(lines))
    stream.flush()
    return len(records)
