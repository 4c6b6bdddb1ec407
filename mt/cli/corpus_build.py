"""`mt corpus build INPUT... --to DATASET_DIR`: aligned output folders -> Parquet dataset with a card.

A thin layer over `mt.corpus.build.build_corpus`.
"""

from __future__ import annotations


def add_parser(sub) -> None:
    from mt.corpus.build import DEFAULT_SPLIT

    p = sub.add_parser(
        "build",
        help="build a Parquet dataset (load_dataset-ready) from translate/align output folders",
        description="Build a dataset folder (Parquet files + README.md card) that datasets.load_dataset "
                    "opens, from `mt translate` output folders (origin mt) and/or `mt corpus align --out` "
                    "folders (origin human).",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="output folder(s) holding *.aligned.jsonl")
    p.add_argument("--to", required=True, metavar="DATASET_DIR", help="dataset folder to write")
    p.add_argument("--split", default=DEFAULT_SPLIT,
                   help=f"split fractions by document (default {DEFAULT_SPLIT})")
    p.add_argument("--seed", type=int, default=0, help="seed of the document-to-split hash (default 0)")
    p.add_argument("--license", default="unknown", help="license tag for the card (default unknown)")
    p.add_argument("--title", help="dataset title in the card (default: the folder name)")
    p.add_argument("--description", default="", help="a paragraph for the card: where the texts come from")
    p.add_argument("--no-dedup", action="store_true", help="keep duplicate (it, en) pairs")
    p.add_argument("--no-length-filter", action="store_true", help="keep length-ratio outliers")
    p.add_argument("--no-identical-filter", action="store_true", help="keep pairs identical on both sides")
    p.add_argument("--no-clean", action="store_true",
                   help="no cleaning at all: every record becomes a row (empty beads included)")
    p.add_argument("--force", action="store_true", help="replace DATASET_DIR if it exists")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args) -> int:
    from mt.corpus.build import build_corpus

    clean = not args.no_clean
    report = build_corpus(
        args.inputs,
        args.to,
        split=args.split,
        seed=args.seed,
        dedup=clean and not args.no_dedup,
        length_filter=clean and not args.no_length_filter,
        identical_filter=clean and not args.no_identical_filter,
        empty_filter=clean,
        license=args.license,
        title=args.title,
        description=args.description,
        force=args.force,
        progress=not args.quiet,
    )
    if not args.quiet:
        splits = ", ".join(f"{s.name} {s.rows}" for s in report.splits)
        dropped = ", ".join(f"{k} {v}" for k, v in report.dropped.items()) or "none"
        print(f"wrote {report.path}: {report.kept} of {report.read} records ({splits}); "
              f"dropped: {dropped}")
    return 0
