"""`mt corpus export` and `mt corpus import`: a corpus folder to and from the registered exchange formats.

Thin layers over `mt.corpus.formats.export_corpus` / `import_corpus`; the formats and what each keeps
come from the registry, so a new format needs no change here.
"""

from __future__ import annotations


def _formats_note(formats) -> str:
    """What a round trip keeps, per format (the CLI help and the README say the same)."""
    lossless = [f.title for f in formats.values() if not f.loses]
    notes = [f"{', '.join(lossless)} keep every column."]
    for fmt in formats.values():
        if fmt.loses:
            notes.append(f"{fmt.title} keeps only the text: {', '.join(fmt.loses)} are lost "
                         f"(import fills in defaults).")
    return " ".join(notes)


def add_parser(sub) -> None:
    from mt.corpus.formats import FORMATS

    names = list(FORMATS)
    titles = ", ".join(f.title for f in FORMATS.values())
    p = sub.add_parser(
        "export", help=f"write a corpus folder as {titles}",
        description="Write every row of a corpus folder (splits in card order) to one exchange file; "
                    "Moses writes PATH.it and PATH.en. " + _formats_note(FORMATS),
    )
    p.add_argument("dataset", metavar="DATASET_DIR", help="folder made by `mt corpus build` or import")
    p.add_argument("--out", required=True, metavar="PATH", help="file to write (Moses: PATH.it + PATH.en)")
    p.add_argument("--format", choices=names, help="default: from the --out extension")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    p.set_defaults(func=run_export)

    p = sub.add_parser(
        "import", help=f"make a corpus folder from a {titles} file",
        description="Make a corpus folder (Parquet + card, load_dataset-ready) from an exchange file; "
                    "splits, doc ids and other columns are restored where the file has them. "
                    + _formats_note(FORMATS),
    )
    p.add_argument("path", metavar="PATH", help="file to read (Moses: PATH, PATH.it or PATH.en)")
    p.add_argument("--to", required=True, metavar="DATASET_DIR", help="corpus folder to write")
    p.add_argument("--format", choices=names, help="default: from the file name")
    p.add_argument("--origin", choices=["human", "mt"], default="human",
                   help="origin of rows that do not state one (default human)")
    p.add_argument("--license", default="unknown", help="license tag for the card (default unknown)")
    p.add_argument("--force", action="store_true", help="replace DATASET_DIR if it exists")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    p.set_defaults(func=run_import)


def run_export(args) -> int:
    from mt.corpus.formats import export_corpus

    report = export_corpus(args.dataset, args.out, format=args.format, progress=not args.quiet)
    if not args.quiet:
        print(f"wrote {report.rows} pairs to {', '.join(map(str, report.files))}")
    return 0


def run_import(args) -> int:
    from mt.corpus.formats import import_corpus

    report = import_corpus(args.path, args.to, format=args.format, origin=args.origin,
                           license=args.license, force=args.force, progress=not args.quiet)
    if not args.quiet:
        splits = ", ".join(f"{s.name} {s.rows}" for s in report.splits or [])
        print(f"wrote {report.files[0]}: {report.rows} pairs ({splits})")
    return 0
