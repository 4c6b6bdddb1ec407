"""The `mt` command line: one module per subcommand, each a thin layer over the library.

`main(argv) -> int` returns 0 (ok), 1 (some inputs failed, the rest done) or 2 (usage or set-up error).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from mt import __version__
from mt.errors import MtError

# Each module registers its own subcommand via `add_parser(subparsers)` and sets `func`.
SUBCOMMANDS = ["segment", "translate", "evaluate", "fix", "corpus"]


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one `error:` line with exit code 2."""

    def error(self, message: str):
        self.exit(2, f"error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mt", description="Italian to English translation and bilingual corpus tool.")
    parser.add_argument("--version", action="version", version=f"mt {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in SUBCOMMANDS:
        importlib.import_module(f"mt.cli.{name}").add_parser(sub)
    return parser


def _exit_now(code: int) -> None:
    """After Ctrl-C a batch may still run in the model's native threads, and the interpreter's normal
    shutdown can abort under them (`terminate called…`). Every output is already whole (atomic writes,
    manifest folded), so the command-line process exits at once."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(levelname)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except MtError as e:
        if args.debug:
            raise
        print(f"error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("error: interrupted; completed outputs are kept, re-run to finish", file=sys.stderr)
        if argv is None:  # run as the `mt` command, not called from Python
            _exit_now(130)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # an unexpected failure still gets one line unless --debug
        if args.debug:
            raise
        print(f"error: internal error: {type(e).__name__}: {e} (re-run with --debug for details)",
              file=sys.stderr)
        return 2
