"""Folder runs of `mt translate`: finding inputs, planning each file, handing its sentences to an engine,
and writing outputs, cache entries and the manifest as results come back; resume after any stop.

The driver is the one writer: engines (mt.engines) only translate; the output folder is mt.output_folder's.
"""

from __future__ import annotations

import hashlib
import logging
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mt.document import Document, article_name, read_article
from mt.engines import FileJob, FileResult, make_engine
from mt.errors import InputError, UsageError
from mt.files import atomic_write, find_files
from mt.output_folder import (
    CACHE_NAME,
    ENGLISH_SUFFIX,
    Manifest,
    english_path,
    locked,
    records_path,
)
from mt.records import AlignedRecord, write_jsonl
from mt.translate import Translation, Translator

__all__ = ["CACHE_NAME", "InputFile", "RunReport", "find_inputs", "translate_path", "translate_stream"]

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
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(1 for s in self.statuses.values() if s == status)

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0

    def summary(self) -> str:
        rate = self.sentences / self.seconds if self.seconds else 0.0
        return (f"{self.count('done')} translated, {self.count('skipped')} skipped, "
                f"{self.count('failed')} failed; {self.sentences} sentences ({rate:.1f}/s); "
                f"outputs in {self.out}")

    def failures(self) -> list[str]:
        """One line per failed input with its reason, for the end of a run."""
        return [f"failed: {rel}: {error}" for rel, error in sorted(self.errors.items())]


def find_inputs(source: Path, out: Path) -> list[InputFile]:
    """The `.txt` files of a file or folder (mt.files.find_files' rule: hidden ones skipped, symlinked
    folders not followed), sorted; refused ones carry a `problem` instead of being dropped.

    Our own outputs (`*.en.txt`, anything under `out`) are never inputs.
    """
    source, out = Path(source), Path(out)
    if source.is_dir() and out.exists() and out.resolve() == source.resolve():
        raise UsageError(f"the output folder {out} is the input folder; choose another output folder")
    found = find_files(source, [".txt"], exclude_suffixes=[ENGLISH_SUFFIX], exclude=[out])
    return _refuse_clashes([InputFile(f.rel, f.path, article_name(f.rel), f.problem) for f in found])


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


# ------------------------------------------------------------------------------------------ one document


@dataclass
class DocumentPlan:
    """An article's sentences, where they sit, and what goes to the model (after source fixes)."""

    doc: Document
    places: list[tuple[int, int, str]]  # (line, sentence in paragraph, sentence as in the article)
    sources: list[str]

    @property
    def unique(self) -> list[str]:
        """What the model translates: each non-blank source once, in first-appearance order."""
        return list(dict.fromkeys(s for s in self.sources if s.strip()))


def plan_document(doc: Document, fixes=None) -> DocumentPlan:
    from mt.segment import segment

    places = [(paragraph.index, i, sentence.text)
              for paragraph in doc.paragraphs for i, sentence in enumerate(segment(paragraph.text, "it"))]
    sources = [fixes.apply(text, "source")[0] if fixes else text for _, _, text in places]
    return DocumentPlan(doc, places, sources)


def assemble(plan: DocumentPlan, translated: dict[str, Translation], fixes=None
             ) -> tuple[list[str], list[AlignedRecord]]:
    """English lines (one per source line, blank lines kept) and one record per sentence.

    With `fixes` target rules post-edit each translation; records then keep the article's sentence and
    the model's output as source_raw/target_raw.
    """
    records = []
    lines: list[list[str]] = [[] for _ in plan.doc.lines]
    for (line, i, raw), source in zip(plan.places, plan.sources):
        t = translated.get(source) or Translation("")
        target = fixes.apply(t.text, "target")[0] if fixes else t.text
        records.append(AlignedRecord(
            paragraph=line, sentence=i, source=source, target=target, parts=t.parts,
            degenerate=t.degenerate, score=None if t.score is None else round(t.score, 4),
            source_raw=raw if fixes else None, target_raw=t.text if fixes else None,
        ))
        if target:
            lines[line].append(target)
    return [" ".join(parts) for parts in lines], records


def translate_document(doc: Document, translator: Translator, fixes=None
                       ) -> tuple[list[str], list[AlignedRecord]]:
    """A whole article through `translator` (its cache included): English lines and records."""
    plan = plan_document(doc, fixes)
    unique = plan.unique
    return assemble(plan, dict(zip(unique, translator.translate(unique))), fixes)


def english_text(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


# ---------------------------------------------------------------------------------------------- the run


def translate_path(
    source: str | Path,
    out: str | Path,
    translator: Translator | None = None,
    *,
    fixes=None,
    force: bool = False,
    retry_failed: bool = False,
    progress: bool = False,
    wait: float | None = None,
    engine: str = "local",
    workers: int | None = None,
    gpus_per_worker: float | None = None,
    ray_address: str | None = None,
    on_file_done: Callable[[str], None] | None = None,
    **translator_options,
) -> RunReport:
    """Translate a `.txt` file or a folder of them into `out` (see `mt translate --help` for the layout).

    Without `translator` one is made from `translator_options` with its cache in `out/.mt-cache.sqlite`.
    Done files whose bytes and settings are unchanged are skipped (so a finished folder costs no model
    load); failed ones are retried, or only those with `retry_failed`. `fixes` is a mt.fixes RuleSet.
    `engine` says where translation happens ("local", or "ray" with `workers`, `gpus_per_worker`,
    `ray_address`); outputs are the same. OUT is locked for the run (`wait` seconds for another run).
    `on_file_done(rel)` is called after each file is recorded.
    """
    source, out = Path(source), Path(out)
    inputs = find_inputs(source, out)
    if not inputs:
        raise InputError(f"no .txt files in {source}")
    with locked(out, wait):
        if translator is None:
            translator_options.setdefault("cache", out / CACHE_NAME)
            translator = Translator(**translator_options)
        settings = {**translator.settings, "fixes": fixes.digest if fixes else None}
        manifest = Manifest(out, "translate", model=translator.model, settings=settings)
        try:
            run = _Run(out, translator, fixes, manifest, on_file_done)
            run.go(inputs, force, retry_failed, progress, engine,
                   dict(workers=workers, threads=translator.threads, gpus_per_worker=gpus_per_worker,
                        ray_address=ray_address))
        finally:
            manifest.close()
    return run.report


@dataclass
class _Pending:
    """A file handed to the engine (or waiting for sentences another file is translating)."""

    item: InputFile
    sha256: str
    plan: DocumentPlan
    todo: list[str]
    waits: set[str]
    started: float
    translated: dict[str, Translation] = field(default_factory=dict)
    returned: bool = False


class _Run:
    """One run's state on the driver: which files are in flight and which sentences they claim.

    Files are planned in sorted order. With a cache, a sentence claimed by an earlier file still in
    flight is not sent again: the later file waits for it. This is what the local engine does by taking
    one file at a time, so every engine sends the model the same sentences and outputs are identical.
    """

    def __init__(self, out: Path, translator: Translator, fixes, manifest: Manifest, on_file_done):
        self.out = out
        self.translator = translator
        self.cache = translator.cache
        self.fixes = fixes
        self.manifest = manifest
        self.on_file_done = on_file_done
        self.report = RunReport(out=out)
        self.pending: dict[str, _Pending] = {}
        self.claimed: dict[str, str] = {}  # sentence -> rel of the earlier file translating it
        self.retry: list[tuple[InputFile, str]] = []
        self.bar = None

    def go(self, inputs: list[InputFile], force: bool, retry_failed: bool, progress: bool,
           engine_name: str, engine_options: dict) -> None:
        from tqdm import tqdm
        from tqdm.contrib.logging import logging_redirect_tqdm

        started = time.perf_counter()
        todo = self._select(inputs, force, retry_failed)
        total = sum(n for _, _, n in todo)
        self.bar = tqdm(total=total, unit="sent", disable=not progress or not todo, file=sys.stderr,
                        dynamic_ncols=True, smoothing=0.1, desc=f"{len(todo)} files")
        try:
            with logging_redirect_tqdm(), self.bar:  # warnings print above the bar, not through it
                if todo:
                    engine = make_engine(engine_name, self.translator, **engine_options)
                    try:
                        self._translate(engine, [(item, sha) for item, sha, _ in todo])
                        while self.retry:  # files whose shared sentences an earlier file failed to give
                            again, self.retry = self.retry, []
                            self._translate(engine, again)
                    finally:
                        engine.close()
        finally:
            self.report.seconds = time.perf_counter() - started

    def _select(self, inputs: list[InputFile], force: bool, retry_failed: bool
                ) -> list[tuple[InputFile, str, int]]:
        """Record refused inputs, skip done ones; the rest with their sha256 and sentence count."""
        todo = []
        for item in inputs:
            if retry_failed and not self.manifest.failed(item.rel):
                self._status(item.rel, "skipped")
                continue
            sha256 = None
            try:
                if item.problem:
                    raise InputError(f"{item.path} {item.problem}")
                sha256 = _sha256(item.path)
                outputs = (english_path(self.out, item.base), records_path(self.out, item.base))
                if not force and self.manifest.done(item.rel, sha256) and all(p.exists() for p in outputs):
                    self._status(item.rel, "skipped")
                    continue
                # segmented again when its job is made: holding every plan until then would keep the
                # whole folder's text in memory, and segmenting is cheap next to translating
                count = len(plan_document(read_article(item.path), self.fixes).places)
            except InputError as e:
                self._fail(item.rel, sha256, str(e))
                continue
            todo.append((item, sha256, count))
        return todo

    def _translate(self, engine, items: list[tuple[InputFile, str]]) -> None:
        for result in engine.run(self._jobs(items), self._progress):
            self._returned(result)

    def _jobs(self, items: list[tuple[InputFile, str]]) -> Iterator[FileJob]:
        """Plan each file when the engine asks for it, so the cache lookup sees every result so far."""
        for item, sha256 in items:
            try:
                sha256 = _sha256(item.path)  # the file may have changed since the run began
                doc = read_article(item.path)
                plan = plan_document(doc, self.fixes)
            except InputError as e:
                self._fail(item.rel, sha256, str(e))
                continue
            if not doc.paragraphs:
                log.warning("%s has no text; writing empty outputs", item.rel)
            unique = plan.unique
            cached = self._cached(unique)
            waits = {s for s in unique if s not in cached and s in self.claimed}  # none without a cache
            todo = [s for s in unique if s not in cached and s not in waits]
            if self.cache is not None:
                for s in todo:
                    self.claimed[s] = item.rel
            pending = _Pending(item, sha256, plan, todo, waits, time.perf_counter(), translated=cached)
            self.pending[item.rel] = pending
            if todo:
                yield FileJob(item.rel, todo)
            else:
                pending.returned = True
                self._try_finish(pending)

    def _cached(self, unique: list[str]) -> dict[str, Translation]:
        if self.cache is None or not unique:
            return {}
        return {s: Translation(*row) for s, row in self.cache.get(unique).items()}

    def _progress(self, n: int) -> None:
        self.bar.update(n)

    def _returned(self, result: FileResult) -> None:
        pending = self.pending[result.rel]
        pending.returned = True
        if result.error is not None:
            self._release(pending)
            self._fail(pending.item.rel, pending.sha256, result.error)
            return
        translated = dict(zip(pending.todo, result.translations))
        pending.translated.update(translated)
        if self.cache is not None:
            for s, t in translated.items():
                self.cache.put(s, t.text, t.parts, t.degenerate, t.score)
            self.cache.commit()
        self._try_finish(pending)
        for other in list(self.pending.values()):  # later files waiting for these sentences
            if other.waits & translated.keys():
                for s in other.waits & translated.keys():
                    other.translated[s] = translated[s]
                other.waits -= translated.keys()
                self._try_finish(other)

    def _release(self, failed: _Pending) -> None:
        """A failed file's claims are void: files waiting for them are planned again after this round."""
        lost = {s for s, rel in self.claimed.items() if rel == failed.item.rel}
        for s in lost:
            del self.claimed[s]
        for other in list(self.pending.values()):
            if other is not failed and other.waits & lost:
                del self.pending[other.item.rel]
                self.retry.append((other.item, other.sha256))
                if other.returned:
                    self.bar.update(-len(other.todo))  # their sentences will be reported again

    def _try_finish(self, pending: _Pending) -> None:
        if not pending.returned or pending.waits:
            return
        del self.pending[pending.item.rel]
        item = pending.item
        for s in pending.todo:
            self.claimed.pop(s, None)
        try:
            lines, records = assemble(pending.plan, pending.translated, self.fixes)
        except InputError as e:  # a target fix rule that cannot run on this file
            self._fail(item.rel, pending.sha256, str(e))
            return
        atomic_write(english_path(self.out, item.base), english_text(lines), root=self.out)
        atomic_write(records_path(self.out, item.base), write_jsonl(records), root=self.out)
        self.manifest.record(item.rel, {"status": "done", "sha256": pending.sha256, "sentences": len(records),
                                        "seconds": round(time.perf_counter() - pending.started, 3)})
        self.report.sentences += len(records)
        self.bar.update(len(records) - len(pending.todo))  # the engine reported the translated ones
        self._status(item.rel, "done")

    def _fail(self, rel: str, sha256: str | None, error: str) -> None:
        self.manifest.record(rel, {"status": "failed", "sha256": sha256, "sentences": 0, "error": error})
        self.report.errors[rel] = error
        log.info("%s: %s", rel, error)  # the CLI lists every failure at the end
        self._status(rel, "failed")

    def _status(self, rel: str, status: str) -> None:
        self.report.statuses[rel] = status
        if status != "skipped" and self.on_file_done:
            self.on_file_done(rel)


def _sha256(path: Path) -> str:
    try:
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
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
