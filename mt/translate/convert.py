"""Converting a Hugging Face MarianMT model to CTranslate2, once per model and quantization.

Conversions are kept under $MT_CACHE_DIR/ct2 (default ~/.cache/mt/ct2), keyed by the model's identity.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from mt.files import atomic_folder
from mt.translate.backends import QUANTIZATIONS, BackendUnavailable
from mt.translate.model import LOAD_ERRORS, load_error, model_location, resolve_model

SOURCE_FILE = "mt-source.json"  # written into each conversion: what it was made from

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Conversion:
    """A converted model folder and the Hugging Face folder it was made from (for generation defaults)."""

    path: Path
    source: Path
    identity: str
    quantization: str


def cache_root() -> Path:
    """Where conversions live: $MT_CACHE_DIR/ct2, else ~/.cache/mt/ct2."""
    base = os.environ.get("MT_CACHE_DIR")
    return (Path(base).expanduser() if base else Path.home() / ".cache" / "mt") / "ct2"


def convert(model: str, quantization: str) -> Conversion:
    """The CTranslate2 conversion of `model` (hub id or local folder), converting on first use.

    Raises ModelLoadError when the model cannot be found or read at all, BackendUnavailable when it
    loads but CTranslate2 cannot run it the way transformers does.
    """
    import ctranslate2

    if quantization not in QUANTIZATIONS or quantization == "auto":  # the backend resolves `auto` first
        raise ValueError(f"unknown quantization {quantization!r}")
    source, identity = _locate(model)
    major = ctranslate2.__version__.split(".")[0]
    key = hashlib.sha256(f"{identity}\0{quantization}\0ct2-{major}".encode()).hexdigest()[:16]
    slug = "".join(c if c.isalnum() or c in "-_." else "-" for c in Path(model).name)[:60] or "model"
    target = cache_root() / f"{slug}-{quantization}-{key}"
    if (target / "model.bin").is_file():
        log.debug("using the CTranslate2 conversion in %s", target)
        return Conversion(target, source, identity, quantization)
    # published in one rename: a conversion killed half-way is never taken for a model, and its temp
    # folder is removed by the next conversion of this model; of two processes converting at once,
    # the first to finish publishes and the other's copy is dropped
    with atomic_folder(target) as tmp:
        log.info("converting %s to CTranslate2 (%s), once, into %s", model, quantization, target)
        _run_converter(model, source, tmp, quantization)
        (tmp / SOURCE_FILE).write_text(json.dumps({
            "model": model, "identity": identity, "quantization": quantization,
            "ctranslate2": ctranslate2.__version__,
        }, indent=2) + "\n", encoding="utf-8")
    return Conversion(target, source, identity, quantization)


def _locate(model: str) -> tuple[Path, str]:
    """The local folder holding the model's files and its identity (folder hash, or hub id@commit)."""
    ref = resolve_model(model)
    if ref.local:
        if not (Path(ref.location) / "config.json").is_file():
            raise load_error(model, "the folder has no config.json (save the model with save_pretrained)")
        return Path(ref.location), ref.identity
    from huggingface_hub import snapshot_download

    location = model_location(ref)  # the cached copy when the hub cannot be asked
    if not Path(location).is_dir():
        try:
            location = snapshot_download(ref.location, local_files_only=True)
        except Exception:  # noqa: BLE001 - not in the local cache (any hub error): download it
            try:
                location = snapshot_download(ref.location)
            except Exception as e:  # noqa: BLE001 - unknown repo, gated: all mean "cannot load"
                raise load_error(model, e) from None
    return Path(location), f"{ref.location}@{Path(location).name}"


def _run_converter(model: str, source: Path, output_dir: Path, quantization: str) -> None:
    """CTranslate2's own transformers converter, checking the one assumption it makes about Marian.

    Its failures become BackendUnavailable (so `--backend auto` falls back to transformers).
    """
    import warnings

    from ctranslate2.converters import TransformersConverter

    from mt.errors import MtError

    class MarianConverter(TransformersConverter):
        def load_model(self, model_class, model_name_or_path, **kwargs):
            try:
                loaded = super().load_model(model_class, model_name_or_path, **kwargs)
            except LOAD_ERRORS as e:
                raise load_error(model, e) from None
            _check_zero_start(loaded, model)
            return loaded

    try:
        with warnings.catch_warnings():
            # the converter loads MarianTokenizer, which recommends sacremoses that opus-mt does not need
            warnings.filterwarnings("ignore", message=".*sacremoses")
            MarianConverter(str(source)).convert(str(output_dir), quantization=quantization, force=True)
    except (MtError, BackendUnavailable):
        raise
    except Exception as e:  # noqa: BLE001 - any converter error means "this backend cannot run it"
        raise BackendUnavailable(f"CTranslate2 conversion failed: {' '.join(str(e).split())}") from e


def _check_zero_start(loaded, model: str) -> None:
    """CTranslate2 starts Marian decoders from a zero vector; transformers from the start token's
    embedding. They agree only when that embedding is zero (true of every converted opus-mt model)."""
    config = loaded.config
    if getattr(config, "model_type", None) != "marian":
        raise BackendUnavailable(f"{model} is a {config.model_type} model, not MarianMT")
    start = config.decoder_start_token_id
    if start is None:
        start = config.pad_token_id
    row = loaded.get_decoder().embed_tokens.weight[start]
    if bool(row.abs().max() > 0):
        raise BackendUnavailable(
            f"{model}'s decoder start embedding (token {start}) is not zero, so CTranslate2 would "
            f"translate differently from transformers"
        )
