"""`mt corpus …`: the bilingual-corpus commands, one module per subcommand (align, build, export, …)."""

from __future__ import annotations

import importlib

# module in mt.cli -> it registers its own `mt corpus NAME` parser(s) with `add_parser(subparsers)`
CORPUS_SUBCOMMANDS = ["corpus_align", "corpus_build", "corpus_formats", "corpus_stats"]


def add_parser(sub) -> None:
    p = sub.add_parser("corpus", help="align, build, export, import and inspect the bilingual corpus")
    inner = p.add_subparsers(dest="corpus_command", metavar="SUBCOMMAND", parser_class=type(p))
    for name in CORPUS_SUBCOMMANDS:
        importlib.import_module(f"mt.cli.{name}").add_parser(inner)
    p.set_defaults(func=lambda args: p.print_help() or 2)
