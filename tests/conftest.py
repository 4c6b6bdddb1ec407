"""Shared fixtures: the tiny MarianMT it→en model, real and trained here from data in the repository.

Nothing here needs `../shared`; the few tests that use the whole public sets skip without them.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILDER = ROOT / "scripts" / "build_tiny_model.py"
# the builder's text and its training pairs key the cached model: a change to either rebuilds it
TRAINING = sorted((ROOT / "scripts" / "data" / "newstest2009").glob("*.txt"))

# CTranslate2 conversions made by the tests stay in the (git-ignored) checkout, not in the user's home
os.environ.setdefault("MT_CACHE_DIR", str(ROOT / ".cache" / "mt"))


def _builder():
    spec = importlib.util.spec_from_file_location("build_tiny_model", BUILDER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def tiny_model() -> Path:
    """A tiny real MarianMT model folder, built once and reused while the builder and its data are unchanged.

    Kept in .cache/ (git-ignored), so repeated local runs skip the ~30 s build.
    """
    from filelock import FileLock

    from mt.files import atomic_folder

    digest = hashlib.sha256(BUILDER.read_bytes())
    for path in TRAINING:
        digest.update(path.read_bytes())
    target = Path(os.environ.get("MT_TEST_CACHE", ROOT / ".cache")) / f"tiny-it-en-{digest.hexdigest()[:12]}"
    target.parent.mkdir(parents=True, exist_ok=True)
    # sessions started together wait for one build instead of each training on the same few cores
    with FileLock(f"{target}.lock"):
        if not (target / "config.json").exists():
            with atomic_folder(target) as tmp:  # published whole: a killed build leaves no half model
                _builder().build_tiny_model(tmp)
    return target
