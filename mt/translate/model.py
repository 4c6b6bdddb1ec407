"""Which model a run uses: a hub id or a local folder, its identity for caches and skips, and its tokenizer.

Also the model's own generation defaults (beams, eos/pad ids, bad words, input limit), shared by all backends.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from mt.errors import ModelLoadError

DEFAULT_MODEL = "Helsinki-NLP/opus-mt-it-en"
HOW_TO_PROVIDE = (
    "download it where there is network (the Hugging Face cache then keeps it), pass a local model folder, "
    "or build the small test model: python scripts/build_tiny_model.py models/tiny-it-en"
)
# a hub that does not answer within this many seconds is taken as unreachable: huggingface_hub would
# otherwise retry for ~25 s per file before giving up
HUB_TIMEOUT = 3.0
# transformers' OSError/ValueError cover missing files and offline hubs; the rest are malformed folders
LOAD_ERRORS = (OSError, ValueError, KeyError, TypeError, ImportError, RuntimeError)

log = logging.getLogger(__name__)


def default_model() -> str:
    """The model used when none is given: env MT_MODEL, else opus-mt-it-en."""
    return os.environ.get("MT_MODEL") or DEFAULT_MODEL


def load_error(name: str, reason: object) -> ModelLoadError:
    """The one error for a model that cannot be loaded, naming it and saying how to provide it."""
    reason = " ".join(str(reason).split())
    if len(reason) > 300:  # a library's exception text can be paragraphs long
        reason = reason[:300] + "…"
    error = ModelLoadError(f"cannot load model {name}: {reason}; {HOW_TO_PROVIDE}")
    error.option = "model"  # the CLI adds its flag
    return error


@dataclass(frozen=True)
class ModelRef:
    """A model as the user named it, where to load it from, and what identifies its weights."""

    name: str
    location: str
    identity: str
    local: bool


def _looks_like_path(name: str) -> bool:
    return name.startswith((".", "/", "~")) or "\\" in name or name.count("/") > 1


def resolve_model(model: str | None = None) -> ModelRef:
    """Resolve without loading: a local folder is identified by a hash of its files, a hub id by itself."""
    name = model or default_model()
    path = Path(name).expanduser()
    if path.is_dir():
        return ModelRef(name=name, location=str(path.resolve()), identity=folder_digest(path), local=True)
    if path.exists():
        raise load_error(name, "it is a file, not a model folder")
    if _looks_like_path(name):
        raise load_error(name, f"no such folder (looked in {Path.cwd()})")
    return ModelRef(name=name, location=name, identity=name, local=False)


def hub_offline() -> bool:
    """HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) is set: the hub is never asked."""
    return any(os.environ.get(v, "").strip().lower() in ("1", "true", "yes", "on")
               for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def hub_endpoint() -> str:
    return (os.environ.get("HF_ENDPOINT") or "https://huggingface.co").rstrip("/")


_UNREACHABLE: dict[str, str | None] = {}


def hub_unreachable() -> str | None:
    """Why the hub cannot be asked now (offline mode, no answer), or None when it answers.

    One quick request, remembered per endpoint for the process: any HTTP answer means reachable.
    """
    if hub_offline():
        return "is not asked (HF_HUB_OFFLINE is set)"
    endpoint = hub_endpoint()
    if endpoint not in _UNREACHABLE:
        import urllib.error
        import urllib.request

        try:
            urllib.request.urlopen(urllib.request.Request(endpoint, method="HEAD"), timeout=HUB_TIMEOUT)
            _UNREACHABLE[endpoint] = None
        except urllib.error.HTTPError:  # it answered, if only with an error status
            _UNREACHABLE[endpoint] = None
        except (OSError, ValueError) as e:
            reason = getattr(e, "reason", e)
            _UNREACHABLE[endpoint] = f"at {endpoint} cannot be reached ({' '.join(str(reason).split())})"
    return _UNREACHABLE[endpoint]


def model_location(ref: ModelRef) -> str:
    """Where the model's files are read: its folder, its copy in the Hugging Face cache when the hub
    cannot be asked (so no loader waits on the network), or the hub id."""
    if ref.local:
        return ref.location
    why = hub_unreachable()
    if why is None:
        return ref.location
    from huggingface_hub import constants, snapshot_download

    try:
        return snapshot_download(ref.location, local_files_only=True)
    except Exception:  # noqa: BLE001 - not in the cache, whichever way huggingface_hub says it
        raise load_error(ref.name, f"there is no folder {ref.name} in {Path.cwd()}, no copy in the "
                                   f"Hugging Face cache ({constants.HF_HUB_CACHE}), and the hub {why}"
                         ) from None


_DIGESTS: dict[tuple, str] = {}


def folder_digest(path: Path) -> str:
    """sha256 over the folder's file names and bytes (memoised per process on names, sizes and mtimes)."""
    files = sorted(p for p in path.rglob("*") if p.is_file())
    stamp = (str(path.resolve()),) + tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files)
    if stamp not in _DIGESTS:
        h = hashlib.sha256()
        for p in files:
            h.update(p.relative_to(path).as_posix().encode() + b"\0")
            with open(p, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
            h.update(b"\0")
        _DIGESTS[stamp] = "sha256:" + h.hexdigest()
    return _DIGESTS[stamp]


@dataclass(frozen=True)
class ModelDefaults:
    """What the model's own files say about decoding, read once (load_defaults); every backend gets
    them through mt.translate.backends.DecodeSettings.resolve."""

    eos_id: int
    pad_id: int
    decoder_start_id: int
    forced_eos_id: int | None
    bad_words_ids: tuple[tuple[int, ...], ...]
    beams: int
    max_length: int  # counts the decoder start token, as transformers' max_length does
    length_penalty: float
    repetition_penalty: float
    no_repeat_ngram_size: int
    max_input_tokens: int


def model_json(ref: ModelRef, filename: str) -> dict | None:
    """One of the model's JSON files (config.json, generation_config.json), or None when it has none.

    Read as plain JSON so that neither torch nor transformers' config machinery is imported for it.
    """
    location = model_location(ref)
    if Path(location).is_dir():
        folder = Path(location)
    else:
        from huggingface_hub import hf_hub_download
        from huggingface_hub.errors import RemoteEntryNotFoundError, RepositoryNotFoundError

        try:
            folder = Path(hf_hub_download(location, filename)).parent
        except RemoteEntryNotFoundError:  # the repository exists but has no such file
            return None
        except RepositoryNotFoundError:
            raise load_error(ref.name, f"there is no folder {ref.name} in {Path.cwd()}, and the hub "
                                       f"({hub_endpoint()}) has no model {ref.name} (or it is private)"
                             ) from None
        except LOAD_ERRORS as e:
            raise load_error(ref.name, e) from None
    try:
        return folder_json(folder, filename)
    except (OSError, ValueError) as e:
        raise load_error(ref.name, f"{filename} is not valid JSON ({e})") from None


def folder_json(folder: Path, filename: str) -> dict | None:
    """A JSON file of a model folder on disk, or None when the folder has none."""
    path = folder / filename
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def load_tokenizer(ref: ModelRef):
    """The model's own (sentencepiece) tokenizer; MarianTokenizer directly, which needs no torch."""
    import warnings

    from transformers.utils import logging as hf_logging

    config = model_json(ref, "config.json")
    if config is None:
        raise load_error(ref.name, "it has no config.json (is it a Hugging Face model folder?)")
    if config.get("model_type") == "marian":
        from transformers import MarianTokenizer as tokenizer_class
    else:
        from transformers import AutoTokenizer as tokenizer_class
    hf_logging.disable_progress_bar()  # our own progress bar reports the work, whichever backend loads
    try:
        with warnings.catch_warnings():
            # MarianTokenizer recommends sacremoses for punctuation normalisation opus-mt does not need
            warnings.filterwarnings("ignore", message=".*sacremoses")
            return tokenizer_class.from_pretrained(model_location(ref))
    except LOAD_ERRORS as e:
        raise load_error(ref.name, e) from None


def load_defaults(ref: ModelRef, tokenizer) -> ModelDefaults:
    """Generation defaults from generation_config.json (else config.json, as transformers does); the pad
    id is never generated.

    A model that states no max_length gets its input limit: transformers would stop at 20 tokens, cutting
    translations short without a word.
    """
    config = model_json(ref, "config.json") or {}
    gen = model_json(ref, "generation_config.json") or config
    pad = first(gen.get("pad_token_id"), config.get("pad_token_id"), tokenizer.pad_token_id)
    eos = first(gen.get("eos_token_id"), config.get("eos_token_id"), tokenizer.eos_token_id)
    if isinstance(eos, list):
        eos = eos[0]
    bad = {tuple(seq) for seq in (gen.get("bad_words_ids") or [])}
    bad.add((pad,))  # MarianMT otherwise emits <pad> mid-sentence now and then
    limits = [n for n in (config.get("max_position_embeddings"), tokenizer.model_max_length)
              if isinstance(n, int) and 0 < n < 1_000_000]
    max_input = min(limits) if limits else 512
    return ModelDefaults(
        eos_id=eos,
        pad_id=pad,
        decoder_start_id=first(gen.get("decoder_start_token_id"), config.get("decoder_start_token_id"), pad),
        forced_eos_id=first(gen.get("forced_eos_token_id"), config.get("forced_eos_token_id")),
        bad_words_ids=tuple(sorted(bad)),
        beams=gen.get("num_beams") or 1,
        max_length=gen.get("max_length") or max_input,
        length_penalty=first(gen.get("length_penalty"), 1.0),
        repetition_penalty=first(gen.get("repetition_penalty"), 1.0),
        no_repeat_ngram_size=first(gen.get("no_repeat_ngram_size"), 0),
        max_input_tokens=max_input,
    )


def first(*values):
    """The first value that is not None (a setting, then the model's own, then a fallback)."""
    return next((v for v in values if v is not None), None)
