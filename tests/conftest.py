"""Shared fixtures: the tiny MarianMT it→en model (real, trained here) and paths to the shared data."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
DATA = SHARED / "data"
BUILDER = ROOT / "scripts" / "build_tiny_model.py"

# CTranslate2 conversions made by the tests stay in the (git-ignored) checkout, not in the user's home
os.environ.setdefault("MT_CACHE_DIR", str(ROOT / ".cache" / "mt"))


def _builder():
    spec = importlib.util.spec_from_file_location("build_tiny_model", BUILDER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def tiny_model() -> Path:
    """A tiny real MarianMT model folder, built once and reused while the builder script is unchanged.

    Kept in .cache/ (git-ignored) keyed by the builder's hash, so repeated local runs skip the ~30 s build.
    """
    key = hashlib.sha256(BUILDER.read_bytes()).hexdigest()[:12]
    cache = Path(os.environ.get("MT_TEST_CACHE", ROOT / ".cache"))
    target = cache / f"tiny-it-en-{key}"
    if not (target / "config.json").exists():
        cache.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=cache, prefix=".build-"))
        _builder().build_tiny_model(tmp)
        try:
            tmp.rename(target)
        except OSError:  # another test session finished first; use its copy
            shutil.rmtree(tmp, ignore_errors=True)
    return target


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return DATA
