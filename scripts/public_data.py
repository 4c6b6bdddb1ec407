"""Where the benchmark scripts find the public evaluation sets, and the one message when some are missing.

The whole sets live outside the repository (`../shared/data` by default); tests/data/public/README.md names
their sources and licences.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def add_data_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help=f"folder of the public evaluation sets (default {DEFAULT_DATA})")


def require_data(data: Path, *needed: str) -> None:
    """Exit 2 with one line naming what is missing under `data`, instead of a traceback later."""
    missing = [rel for rel in needed if not (data / rel).exists()]
    if missing:
        print(f"error: {data} has no {', '.join(missing)}; pass the folder of the public evaluation sets "
              "with --data (sources: tests/data/public/README.md)", file=sys.stderr)
        raise SystemExit(2)
