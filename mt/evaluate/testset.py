"""The test set to score: hypotheses, references and sources, matched file to file and line to line.

Files or folders; in folders `NAME.it.txt`, `NAME.txt` and `NAME.en.txt` all have the name NAME.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from mt.document import article_name, read_article
from mt.errors import InputError, UsageError
from mt.files import find_files

log = logging.getLogger(__name__)

# suffixes stripped from file names, and the order in which they are tried per role
HYPOTHESIS_SUFFIXES = (".en.txt",)
REFERENCE_SUFFIXES = (".en.txt", ".txt")
SOURCE_SUFFIXES = (".it.txt", ".txt")
# a hypothesis read from standard input
STDIN = "-"


@dataclass(frozen=True)
class DocumentSpan:
    """One document of the test set: lines [start, end) of the concatenated text."""

    name: str
    start: int
    end: int


@dataclass(frozen=True)
class Segment:
    """Where a scored line comes from: its document and 1-based line number in that file."""

    document: str
    line: int


@dataclass
class TestSet:
    """Line-aligned text ready for scoring; lines blank in every file are left out (blank paragraphs)."""

    systems: list[tuple[str, list[str]]]
    references: list[list[str]]
    sources: list[str] | None
    documents: list[DocumentSpan]
    segments: list[Segment]

    @property
    def baseline(self) -> list[str]:
        return self.systems[0][1]


def doc_name(path: Path) -> str:
    """NAME for NAME.txt, NAME.it.txt and NAME.en.txt (the file's own name, folders dropped)."""
    return article_name(path.name)


def text_files(folder: Path) -> dict[str, Path]:
    """{relative path: file} for the usable `*.txt` under folder (the project's one finder: hidden files
    and folders skipped); files it cannot use are logged, and matter only when one is looked for."""
    files = {}
    for found in find_files(folder, (".txt",)):
        if found.problem:
            log.warning("%s/%s %s", folder, found.rel, found.problem)
        else:
            files[found.rel] = found.path
    return files


def find_in(files: dict[str, Path], rel: str, suffixes: tuple[str, ...], exclude: set[Path]) -> Path | None:
    """The first `REL/NAME<suffix>` among files (relative paths), else the same name at the top."""
    name = article_name(PurePosixPath(rel).name)
    for parent in dict.fromkeys([PurePosixPath(rel).parent, PurePosixPath()]):
        for suffix in suffixes:
            candidate = files.get(str(parent / f"{name}{suffix}"))
            if candidate is not None and candidate.resolve() not in exclude:
                return candidate
    return None


def hypothesis_files(folder: Path) -> dict[str, Path]:
    """{relative NAME: file} for every NAME.en.txt under folder (the layout `mt translate` writes)."""
    files = {}
    for found in find_files(folder, HYPOTHESIS_SUFFIXES):
        if found.problem:
            raise InputError(f"{folder / found.rel} {found.problem}; fix or remove it to evaluate {folder}")
        files[article_name(found.rel)] = found.path
    if not files:
        raise InputError(f"no *.en.txt files in {folder}; pass the output folder of `mt translate`")
    return files


def read_lines(path: Path) -> list[str]:
    """The lines of a file, or of standard input for `-`."""
    return read_article(path).lines


def check_lengths(hyp: Path, other: Path, hyp_lines: list[str], other_lines: list[str]) -> None:
    if len(hyp_lines) != len(other_lines):
        raise InputError(
            f"{hyp} has {len(hyp_lines)} lines but {other} has {len(other_lines)}; "
            f"they must be line-aligned (one line per source line)"
        )


def read_docs_file(path: str | Path, total: int, hyp: str) -> list[tuple[str, int]]:
    """`docid<TAB>lines` per line, like ntrex128-dev/docs.tsv; the counts must add up to the file."""
    docs = []
    for number, line in enumerate(read_lines(Path(path)), 1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[1].strip().isdigit():
            raise InputError(f"{path}:{number}: expected `docid<TAB>number of lines`")
        docs.append((parts[0].strip(), int(parts[1])))
    if sum(n for _, n in docs) != total:
        raise InputError(
            f"{path} lists {sum(n for _, n in docs)} lines but {hyp} has {total}; fix the docs file"
        )
    return docs


def load_testset(
    hyps: list[str | Path],
    refs: list[str | Path],
    src: str | Path | None = None,
    docs: str | Path | None = None,
) -> TestSet:
    """Match hypothesis, reference and source files (or folders) and read them line-aligned; a
    hypothesis `-` is standard input (as in sacrebleu), paired with reference files."""
    if not hyps or not refs:
        raise UsageError("give at least one hypothesis and one reference")
    hyp_paths = [Path(h) for h in hyps]
    ref_paths = [Path(r) for r in refs]
    src_path = Path(src) if src else None
    if sum(str(h) == STDIN for h in hyps) > 1:
        raise UsageError("standard input (-) can be read only once; give the other systems as files")
    for p in [*ref_paths, *([src_path] if src_path else [])]:
        if str(p) == STDIN:
            raise UsageError("only a hypothesis can be read from standard input (-); give others as files")
    for p in [*hyp_paths, *ref_paths, *([src_path] if src_path else [])]:
        if str(p) != STDIN and not p.exists():
            raise InputError(f"{p} does not exist")
    folder_mode = hyp_paths[0].is_dir()
    if any(p.is_dir() != folder_mode for p in [*hyp_paths, *ref_paths]):
        raise UsageError("the hypotheses and references must be all files or all folders")
    if folder_mode:
        if docs:
            raise UsageError("a docs file splits a single file; folders are split by file already")
        testset = _load_folders(hyp_paths, ref_paths, src_path)
    else:
        testset = _load_files(hyp_paths, ref_paths, src_path, docs)
    if not testset.segments:
        shown = ", ".join(str(p) for p in [*hyp_paths, *ref_paths])
        raise InputError(f"nothing to score: {shown} hold no text (empty or blank lines only); "
                         f"check that these are the translations and the references")
    return testset


def _load_files(hyps: list[Path], refs: list[Path], src: Path | None, docs) -> TestSet:
    systems = [(str(h), read_lines(h)) for h in hyps]
    first, lines = hyps[0], systems[0][1]
    for h, other in zip(hyps[1:], systems[1:]):
        check_lengths(first, h, lines, other[1])
    references = [read_lines(r) for r in refs]
    for r, ref_lines in zip(refs, references):
        check_lengths(first, r, lines, ref_lines)
    sources = None
    if src is not None:
        if src.is_dir():
            raise UsageError("the source must be a file when the hypotheses are files")
        sources = read_lines(src)
        check_lengths(first, src, lines, sources)
    if docs:
        spans = read_docs_file(docs, len(lines), str(first))
    else:
        spans = [("<stdin>" if str(first) == STDIN else doc_name(first), len(lines))]
    return _assemble(systems, references, sources, spans)


def _load_folders(hyps: list[Path], refs: list[Path], src: Path | None) -> TestSet:
    per_system = [hypothesis_files(h) for h in hyps]
    names = list(per_system[0])
    for h, files in zip(hyps[1:], per_system[1:]):
        if set(files) != set(names):
            differ = sorted(set(files) ^ set(names))
            raise InputError(
                f"{hyps[0]} and {h} hold different documents ({', '.join(differ[:5])}); "
                f"compare translations of the same articles"
            )
    sources: dict[str, Path] = {}
    if src is not None:
        src_files = text_files(src) if src.is_dir() else {}
        for name in names:
            found = find_in(src_files, name, SOURCE_SUFFIXES, set())
            if found is None:
                raise InputError(f"no source for {name} in {src} (looked for {name}.it.txt, {name}.txt)")
            sources[name] = found
    exclude = {p.resolve() for p in sources.values()}
    references: list[dict[str, Path]] = []
    for ref in refs:
        ref_files = text_files(ref)
        matched = {n: find_in(ref_files, n, REFERENCE_SUFFIXES, exclude) for n in names}
        missing = [str(per_system[0][n].relative_to(hyps[0])) for n, p in matched.items() if p is None]
        if missing:
            shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
            raise InputError(
                f"no reference in {ref} for {len(missing)} hypothesis file(s): {shown} "
                f"(looked for NAME.en.txt or NAME.txt)"
            )
        extra = sorted({doc_name(p) for p in ref_files.values()} - {doc_name(Path(n)) for n in names})
        if extra:
            log.warning("%d reference file(s) in %s have no hypothesis: %s",
                        len(extra), ref, ", ".join(extra[:5]))
        references.append(matched)

    systems = [(str(h), []) for h in hyps]
    ref_lines: list[list[str]] = [[] for _ in refs]
    src_lines: list[str] | None = [] if src is not None else None
    spans = []
    for name in names:
        first = per_system[0][name]
        lines = read_lines(first)
        for (_, out), files in zip(systems, per_system):
            other = read_lines(files[name])
            check_lengths(first, files[name], lines, other)
            out.extend(other)
        for out, matched in zip(ref_lines, references):
            other = read_lines(matched[name])
            check_lengths(first, matched[name], lines, other)
            out.extend(other)
        if src_lines is not None:
            other = read_lines(sources[name])
            check_lengths(first, sources[name], lines, other)
            src_lines.extend(other)
        spans.append((name, len(lines)))
    return _assemble(systems, ref_lines, src_lines, spans)


def _assemble(systems, references, sources, spans: list[tuple[str, int]]) -> TestSet:
    """Drop lines blank in every hypothesis and reference, keeping document spans and line numbers."""
    keep: list[int] = []
    documents: list[DocumentSpan] = []
    segments: list[Segment] = []
    offset = 0
    for name, count in spans:
        start = len(keep)
        for line in range(count):
            i = offset + line
            texts = [s[1][i] for s in systems] + [r[i] for r in references]
            if any(t.strip() for t in texts):
                keep.append(i)
                segments.append(Segment(name, line + 1))
        documents.append(DocumentSpan(name, start, len(keep)))
        offset += count
    return TestSet(
        systems=[(name, [lines[i] for i in keep]) for name, lines in systems],
        references=[[r[i] for i in keep] for r in references],
        sources=[sources[i] for i in keep] if sources is not None else None,
        documents=[d for d in documents if d.end > d.start],
        segments=segments,
    )
