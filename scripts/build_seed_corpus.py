"""Regenerate corpora/seed-aligned: align the example articles with their human references, then build.

Runs `mt corpus align corpora/articles corpora/references --out TMP --no-mt` and
`mt corpus build TMP --to corpora/seed-aligned`. Usage: python scripts/build_seed_corpus.py [--to DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DESCRIPTION = (
    "The example articles of this repository (`corpora/articles`, Italian) aligned sentence by sentence "
    "with their human English references (`corpora/references`) by `mt corpus align --no-mt`, then built "
    "with `mt corpus build`. Regenerate with `python scripts/build_seed_corpus.py`."
)


def main() -> int:
    from mt.cli import main as mt

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--to", type=Path, default=ROOT / "corpora" / "seed-aligned")
    args = ap.parse_args()
    out = args.to.resolve()
    work = Path(tempfile.mkdtemp(prefix="seed-align-"))
    cwd = Path.cwd()
    try:
        # run from the temp folder so the card names the input `aligned`, not a temp path
        os.chdir(work)
        rc = mt(["corpus", "align", str(ROOT / "corpora" / "articles"), str(ROOT / "corpora" / "references"),
                 "--out", "aligned", "--no-mt"])
        if rc != 0:
            return rc
        return mt(["corpus", "build", "aligned", "--to", str(out), "--force", "--quiet",
                   "--title", "seed-aligned", "--description", DESCRIPTION])
    finally:
        os.chdir(cwd)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
