"""`build_corpus`: turn `mt translate` / `mt corpus align` output folders into a Parquet dataset folder.

Streams record by record: documents are split by a hash of (seed, doc id), pairs are cleaned on the
way, and rows go to one Parquet writer per split, so the corpus never has to fit in memory.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from mt.corpus.card import CardInfo, Source, render_card
from mt.corpus.cleaning import Cleaner
from mt.corpus.dataset import DatasetWriter, Row, SplitInfo, check_split_name, new_dataset_folder, row_id
from mt.errors import InputError, UsageError
from mt.files import Found, find_files
from mt.output_folder import MANIFEST, RECORDS_SUFFIX, read_manifest
from mt.records import AlignedRecord, read_records

log = logging.getLogger(__name__)

DEFAULT_SPLIT = "train=0.9,validation=0.05,test=0.05"


def parse_split(spec: str) -> list[tuple[str, float]]:
    """`train=0.9,validation=0.05,test=0.05` -> [(name, fraction)], fractions summing to 1."""
    parts = []
    for item in spec.split(","):
        name, sep, value = item.strip().partition("=")
        try:
            fraction = float(value)
        except ValueError:
            fraction = -1.0
        if not sep or not name or fraction < 0:
            raise UsageError(f"bad --split item {item!r}; write e.g. train=0.9,validation=0.05,test=0.05")
        parts.append((check_split_name(name), fraction))
    names = [n for n, _ in parts]
    if len(set(names)) != len(names):
        raise UsageError(f"--split names a split twice: {spec}")
    if abs(sum(f for _, f in parts) - 1.0) > 1e-6:
        raise UsageError(f"--split fractions must add up to 1 (they add up to {sum(f for _, f in parts):g})")
    return parts


def assign_split(doc_id: str, seed: int, splits: list[tuple[str, float]]) -> str:
    """The split of a document: a hash of (seed, doc id) placed on the cumulative fractions."""
    digest = hashlib.blake2b(f"{seed}\0{doc_id}".encode(), digest_size=8).digest()
    x = int.from_bytes(digest, "big") / 2**64
    total = 0.0
    for name, fraction in splits:
        total += fraction
        if x < total:
            return name
    return next(name for name, f in reversed(splits) if f > 0)


def folder_origin(folder: Path) -> str:
    """The origin its manifest gives the folder's records ("mt" or "human"); old manifests are read too."""
    manifest = read_manifest(folder)
    if manifest is None:
        log.warning("%s has no %s; taking its records as human translations", folder, MANIFEST)
        return "human"
    return manifest.origin


def aligned_files(folder: Path) -> list[Found]:
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder; pass an `mt translate` or `mt corpus align` output")
    files = find_files(folder, (RECORDS_SUFFIX,))
    for found in files:
        if found.problem:
            raise InputError(f"{found.path} {found.problem}; fix or remove it, then build again")
    if not files:
        raise InputError(f"{folder} holds no *{RECORDS_SUFFIX} files; "
                         f"pass an `mt translate` or `mt corpus align --out` folder")
    return files


def to_row(record: AlignedRecord, *, doc_id: str, position: int, origin: str) -> Row:
    return {
        "id": row_id(origin, doc_id, position),
        "doc_id": doc_id,
        "paragraph": record.paragraph,
        "sentence": record.sentence,
        "it": record.source,
        "en": record.target,
        "origin": origin,
        "score": record.score,
        "it_raw": record.source_raw,
        "en_raw": record.target_raw,
        "parts": record.parts,
        "degenerate": record.degenerate,
    }


@dataclass
class BuildReport:
    path: Path
    sources: list[Source]
    splits: list[SplitInfo]
    read: int
    dropped: dict[str, int]

    @property
    def kept(self) -> int:
        return sum(s.rows for s in self.splits)


def build_corpus(
    inputs: list[str | Path] | str | Path,
    out: str | Path,
    *,
    split: str = DEFAULT_SPLIT,
    seed: int = 0,
    dedup: bool = True,
    length_filter: bool = True,
    identical_filter: bool = True,
    empty_filter: bool = True,
    license: str = "unknown",
    title: str | None = None,
    description: str = "",
    force: bool = False,
    progress: bool = False,
) -> BuildReport:
    """Build a dataset folder at `out` from one or more aligned-output folders."""
    from tqdm import tqdm

    folders = [Path(p) for p in ([inputs] if isinstance(inputs, (str, Path)) else inputs)]
    if not folders:
        raise UsageError("give at least one input folder")
    splits = parse_split(split)
    cleaner = Cleaner(empty=empty_filter, identical=identical_filter,
                      length_ratio=length_filter, duplicate=dedup)
    plan = [(folder, folder_origin(folder), aligned_files(folder)) for folder in folders]
    seen_docs: dict[tuple[str, str], Path] = {}
    sources: list[Source] = []
    read = 0
    with new_dataset_folder(out, force=force) as staging, DatasetWriter(staging) as writer:
        for folder, origin, files in plan:
            source = Source(str(folder), origin, files=len(files))
            sources.append(source)
            for file in tqdm(files, desc=f"build {folder.name}", unit="file", disable=not progress):
                doc_id = file.rel[: -len(RECORDS_SUFFIX)]
                if (origin, doc_id) in seen_docs:
                    raise InputError(f"document {doc_id} ({origin}) is in both {seen_docs[origin, doc_id]} "
                                     f"and {folder}; build them separately or rename one")
                seen_docs[origin, doc_id] = folder
                doc_split = assign_split(doc_id, seed, splits)
                for position, record in enumerate(read_records(file.path)):
                    source.records += 1
                    read += 1
                    if cleaner.check(record.source, record.target) is None:
                        writer.add(to_row(record, doc_id=doc_id, position=position, origin=origin),
                                   doc_split)
        declared = [name for name, _ in splits]
        written = writer.close(declared)
        empty = [name for name in declared if name not in {s.name for s in written}]
        for name in empty:
            log.warning("split %r received no document; it is left out of the card", name)
        if not written:
            raise InputError("no pair is left to write (all inputs empty or dropped by cleaning); "
                             "check the inputs or try --no-clean")
        info = CardInfo(
            title=title or Path(out).name,
            license=license,
            sources=sources,
            splits=written,
            how=(f"Split by document (no document is in two splits): each document goes to a split "
                 f"by a hash of (seed, doc_id); requested `{split}`, seed {seed}."),
            read=read,
            cleaning=cleaner.enabled,
            dropped=dict(cleaner.dropped),
            empty_splits=empty,
            description=description,
        )
        writer.write_card(render_card(info))
    return BuildReport(Path(out), sources, written, read, dict(cleaner.dropped))
