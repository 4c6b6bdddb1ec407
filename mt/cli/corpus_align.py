"""`mt corpus align IT EN`: sentence-align an Italian article with its English version (or two folders).

A thin layer over `mt.corpus.align` and `mt.corpus.align_folders`; `--no-mt` loads no model at all.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mt.errors import InputError, ModelLoadError, UsageError


def add_parser(sub) -> None:
    from mt.translate.model import DEFAULT_MODEL

    p = sub.add_parser(
        "align",
        help="sentence-align Italian and English articles (files or folders)",
        description="Segment both articles (one paragraph per line) and align their sentences in beads "
                    "1:1, 1:0, 0:1, 2:1, 1:2, 2:2. Two files: print the beads. Two folders: match "
                    "X.it.txt (or X.txt) with X.en.txt (or X.txt) and write OUT/X.aligned.jsonl and "
                    "OUT/manifest.json. A run holds OUT/.mt.lock; a second run on the same OUT stops "
                    "with exit 2 (or waits with --wait SECONDS).",
    )
    p.add_argument("italian", metavar="IT", help="Italian article file (or folder; - is stdin)")
    p.add_argument("english", metavar="EN", help="English article file (or folder)")
    p.add_argument("--out", metavar="DIR", help="output folder (required for folders)")
    p.add_argument("--jsonl", action="store_true",
                   help='print one {"source", "target", "score"} object per bead')
    p.add_argument("--no-mt", action="store_true",
                   help="align without a translation model (lengths, numbers, names, cognates, lexicon)")
    p.add_argument("--model", help=f"hub id or local model folder for MT-assisted alignment "
                                    f"(default: $MT_MODEL or {DEFAULT_MODEL})")
    p.add_argument("--device", default="auto", help="device for the model (auto, cpu, cuda)")
    p.add_argument("--wait", type=float, metavar="SECONDS",
                   help="if another run holds DIR, wait up to this long for it (default: stop at once)")
    p.set_defaults(func=run)


def _translator(args):
    if args.no_mt:
        if args.model:
            raise UsageError("--model and --no-mt exclude each other; drop one")
        return None
    from mt.translate import Translator

    return Translator(model=args.model, device=args.device)


def _with_hint(e: ModelLoadError) -> ModelLoadError:
    return ModelLoadError(f"{e}; or align without a model: mt corpus align --no-mt")


def run(args) -> int:
    it_path, en_path = Path(args.italian), Path(args.english)
    for path in (it_path, en_path):
        if str(path) != "-" and not path.exists():
            raise InputError(f"{path} does not exist")
    folders = it_path.is_dir(), en_path.is_dir()
    if any(folders):
        if not all(folders):
            raise UsageError("give two files or two folders, not one of each")
        if not args.out:
            raise UsageError("aligning folders needs --out DIR")
        if args.jsonl:
            raise UsageError("--jsonl prints beads of two files; folders are written to --out as JSONL")
        return _run_folders(args, it_path, en_path)
    if args.out:
        raise UsageError("--out is for folders; for two files the beads are printed (use --jsonl)")
    return _run_files(args)


def _run_files(args) -> int:
    from mt.corpus.align import align
    from mt.document import read_article

    italian, english = read_article(args.italian), read_article(args.english)
    try:
        beads = align(italian, english, translator=_translator(args))
    except ModelLoadError as e:
        raise _with_hint(e) from None
    out = sys.stdout
    for b in beads:
        if args.jsonl:
            out.write(json.dumps(b.to_json_dict(), ensure_ascii=False) + "\n")
        else:
            out.write(f"{b.shape}\t{b.score:.2f}\t{b.source}\t{b.target}\n")
    return 0


def _run_folders(args, it_dir: Path, en_dir: Path) -> int:
    from mt.corpus.align_folders import align_folders

    try:
        report = align_folders(it_dir, en_dir, args.out, translator=_translator(args), wait=args.wait)
    except ModelLoadError as e:
        raise _with_hint(e) from None
    print(f"aligned {report.done} pair(s), {report.beads} beads, {report.failed} failed -> {args.out}",
          file=sys.stderr)
    return 1 if report.failed else 0
