"""Translating Italian sentences into English: `Translator(model).translate([...]) -> [Translation]`.

Tokenizing, batching, clause splitting, the repetition guard and the cache live here; backends only generate.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mt.errors import UsageError
from mt.translate.backends import BACKENDS, QUANTIZATIONS, Backend, BackendUnavailable, DecodeSettings
from mt.translate.batching import make_batches
from mt.translate.cache import TranslationCache
from mt.translate.guard import Guard
from mt.translate.model import (
    ModelDefaults,
    ModelRef,
    load_defaults,
    load_tokenizer,
    model_location,
    resolve_model,
)
from mt.translate.split import MAX_PARTS, split_long

BACKEND_CHOICES = ("auto", "transformers", "ctranslate2")
DEVICES = ("auto", "cpu", "cuda")
# `auto` tries these in order; a missing module or BackendUnavailable moves on to the next
AUTO_ORDER = ("ctranslate2", "transformers")

log = logging.getLogger(__name__)

__all__ = ["QUANTIZATIONS", "Translation", "Translator"]


@dataclass(frozen=True)
class Translation:
    """One sentence's English: `parts` > 1 when it was split to fit the model, `degenerate` when it
    still looks like a repetition loop after the retry, `score` the mean log-prob (None if unknown)."""

    text: str
    parts: int = 1
    degenerate: bool = False
    score: float | None = None


def backend_class(name: str) -> type[Backend]:
    """The backend registered under `name` (its module is imported on demand; it imports nothing heavy)."""
    if name not in BACKENDS:
        importlib.import_module(f"mt.translate.backends.{name}")
    return BACKENDS[name]


def load_backend(name: str, model: str, **options) -> Backend:
    return backend_class(name)(model, **options)


def default_batch_tokens() -> dict[str, int]:
    """Each backend's own batch budget, for help texts."""
    defaults = {}
    for name in AUTO_ORDER:
        try:
            defaults[name] = backend_class(name).default_batch_tokens
        except ModuleNotFoundError:
            continue
    return defaults


class Translator:
    """A model with decoding settings. Creating one is cheap; the model loads on the first real work.

    `settings` holds the requested values that decide cache hits and skipped files (not device, batch
    size or threads). `max_input_tokens` lowers the input limit (default: the model's own).
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        backend: str = "auto",
        device: str = "auto",
        quantization: str = "auto",
        beams: int | None = None,
        max_new_tokens: int | None = None,
        min_new_tokens: int | None = None,
        batch_tokens: int | None = None,
        threads: int | None = None,
        cache: str | Path | None = None,
        max_input_tokens: int | None = None,
    ):
        _check_choice("backend", backend, BACKEND_CHOICES)
        _check_choice("quantization", quantization, QUANTIZATIONS)
        if not (device in DEVICES or device.startswith("cuda:")):
            raise option_error("device", f"unknown device {device!r}; use one of {', '.join(DEVICES)}")
        for name, value in (("beams", beams), ("max_new_tokens", max_new_tokens),
                            ("batch_tokens", batch_tokens), ("threads", threads),
                            ("max_input_tokens", max_input_tokens)):
            if value is not None and value < 1:
                raise option_error(name, f"{name} must be at least 1, got {value}")
        if min_new_tokens is not None and min_new_tokens < 0:
            raise option_error("min_new_tokens", f"min_new_tokens must be at least 0, got {min_new_tokens}")
        self.ref: ModelRef = resolve_model(model)
        self.backend_name = backend
        self.device = device
        self.quantization = quantization
        self.beams = beams
        self.max_new_tokens = max_new_tokens
        self.min_new_tokens = min_new_tokens
        self.batch_tokens = batch_tokens
        self.threads = threads
        self.max_input_tokens = max_input_tokens
        self.guard = Guard()
        self.cache = TranslationCache(cache, self.settings) if cache is not None else None
        self._backend: Backend | None = None
        self._tokenizer = None
        self._defaults: ModelDefaults | None = None
        self.generate_calls = 0

    @property
    def options(self) -> dict:
        """The constructor's keyword arguments but the cache: `Translator(**t.options)` elsewhere (a
        Ray worker) translates exactly as `t` does."""
        return {"model": self.ref.name, "backend": self.backend_name, "device": self.device,
                "quantization": self.quantization, "beams": self.beams,
                "max_new_tokens": self.max_new_tokens, "min_new_tokens": self.min_new_tokens,
                "batch_tokens": self.batch_tokens, "threads": self.threads,
                "max_input_tokens": self.max_input_tokens}

    @property
    def model(self) -> str:
        return self.ref.name

    @property
    def settings(self) -> dict:
        return {
            "model": self.ref.identity,
            "backend": self.backend_name,
            "quantization": self.quantization,
            "beams": self.beams,
            "max_new_tokens": self.max_new_tokens,
            "min_new_tokens": self.min_new_tokens,
            "max_input_tokens": self.max_input_tokens,
        }

    @property
    def loaded(self) -> bool:
        return self._backend is not None

    @property
    def backend(self) -> Backend:
        """The running backend, loading the model (and choosing for `auto`) on first use."""
        if self._backend is None:
            _ = self.defaults  # first: a model that cannot be found fails before any backend loads
            self._backend = self._load_backend()
        return self._backend

    @property
    def defaults(self) -> ModelDefaults:
        """The model's own decoding defaults, read once with its tokenizer (no torch needed)."""
        if self._defaults is None:
            self._tokenizer = load_tokenizer(self.ref)
            self._defaults = load_defaults(self.ref, self._tokenizer)
        return self._defaults

    def _load_backend(self) -> Backend:
        options = {"device": self.device, "quantization": self.quantization, "threads": self.threads}
        if self.backend_name != "auto":
            try:
                return load_backend(self.backend_name, model_location(self.ref), **options)
            except ModuleNotFoundError as e:
                raise option_error("backend", f"backend {self.backend_name} is not available here ({e}); "
                                              f"use backend auto") from None
            except BackendUnavailable as e:
                raise option_error("backend", f"backend {self.backend_name} cannot run {self.ref.name}: {e}; "
                                              f"use backend auto") from None
        for name in AUTO_ORDER:
            try:
                backend = load_backend(name, model_location(self.ref), **options)
                log.debug("backend auto: using %s", name)
                return backend
            except ModuleNotFoundError as e:
                if e.name != f"mt.translate.backends.{name}":
                    log.warning("backend %s unavailable (%s); falling back", name, e)
            except BackendUnavailable as e:
                log.warning("backend %s cannot run %s (%s); falling back", name, self.ref.name, e)
        raise UsageError("no translation backend can run here; install torch and transformers")

    @property
    def decode_settings(self) -> DecodeSettings:
        """The requested values over the model's defaults."""
        return DecodeSettings.resolve(self.defaults, beams=self.beams, max_new_tokens=self.max_new_tokens,
                                      min_new_tokens=self.min_new_tokens)

    def translate(self, sentences: list[str], *, progress: Callable[[int], None] | None = None,
                  use_cache: bool = True) -> list[Translation]:
        """Translations in input order. Cache entries made here are committed when it returns.

        `progress(n)` is told after each batch how many input sentences it completed; `use_cache=False`
        leaves the cache alone (the folder runner looks up and stores sentences itself).
        """
        cache = self.cache if use_cache else None
        unique = list(dict.fromkeys(s for s in sentences if s.strip()))
        known: dict[str, Translation] = {}
        if cache is not None and unique:
            known = {s: Translation(*row) for s, row in cache.get(unique).items()}
        todo = [s for s in unique if s not in known]
        if todo:
            try:
                new = self._translate_new(todo, progress)
                known.update(new)
                if cache is not None:
                    for source, t in new.items():
                        cache.put(source, t.text, t.parts, t.degenerate, t.score)
                    cache.commit()
            except BaseException:
                if cache is not None:
                    cache.rollback()
                raise
        return [known.get(s, Translation("")) for s in sentences]

    def _translate_new(self, sources: list[str], progress: Callable[[int], None] | None = None
                       ) -> dict[str, Translation]:
        backend = self.backend
        limit = self.max_input_tokens or self._defaults.max_input_tokens
        units: list[tuple[int, list[int]]] = []  # (index into sources, token ids of one part)
        for i, source in enumerate(sources):
            for part in split_long(source, self._count, limit, MAX_PARTS * limit):
                units.append((i, self._encode(part)))
        settings = self.decode_settings
        texts, scores, out_ids = self._generate(backend, [ids for _, ids in units], settings,
                                                _Completion(units, progress) if progress else None)
        sources_of = [sources[i] for i, _ in units]
        flagged = [k for k in range(len(units))
                   if self.guard.looks_degenerate(texts[k], sources_of[k], out_ids[k])]
        degenerate = set()
        if flagged:
            retry_settings = self.guard.retry_settings(settings)
            retry = self._generate(backend, [units[k][1] for k in flagged], retry_settings)
            for k, text, score, ids in zip(flagged, *retry):
                texts[k], scores[k] = text, score
                if self.guard.looks_degenerate(text, sources_of[k], ids):
                    degenerate.add(k)
            log.debug("repetition guard: %d retried, %d still degenerate", len(flagged), len(degenerate))
        parts_of: dict[int, list[int]] = {}
        for k, (owner, _) in enumerate(units):
            parts_of.setdefault(owner, []).append(k)
        result: dict[str, Translation] = {}
        for i, source in enumerate(sources):
            ks = parts_of[i]
            part_scores = [scores[k] for k in ks]
            score = None if None in part_scores else sum(part_scores) / len(part_scores)
            t = Translation(
                text=" ".join(texts[k].strip() for k in ks if texts[k].strip()),
                parts=len(ks),
                degenerate=any(k in degenerate for k in ks),
                score=score,
            )
            result[source] = t
        return result

    def _generate(self, backend: Backend, inputs: list[list[int]], settings: DecodeSettings,
                  done: _Completion | None = None):
        """Texts, scores and output ids in input order; batches are formed over length-sorted inputs."""
        texts: list[str] = [""] * len(inputs)
        scores: list[float | None] = [None] * len(inputs)
        ids: list[list[int]] = [[] for _ in inputs]
        budget = self.batch_tokens or backend.default_batch_tokens
        for batch in make_batches([len(x) for x in inputs], budget):
            outputs = backend.generate([inputs[i] for i in batch], settings)
            self.generate_calls += 1
            if done is not None:
                done.finished(batch)
            for i, out in zip(batch, outputs):
                texts[i] = self._tokenizer.decode(out.ids, skip_special_tokens=True)
                scores[i] = out.score
                ids[i] = out.ids
        return texts, scores, ids

    def _encode(self, text: str) -> list[int]:
        # verbose=False: over-long sentences are split, not truncated, so the tokenizer's warning misleads
        return self._tokenizer(text, verbose=False)["input_ids"]

    def _count(self, text: str) -> int:
        return len(self._encode(text))

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()


class _Completion:
    """Counts input sentences whose every part has been generated, for progress reports."""

    def __init__(self, units: list[tuple[int, list[int]]], report: Callable[[int], None]):
        self.owner = [i for i, _ in units]
        self.left: dict[int, int] = {}
        for i in self.owner:
            self.left[i] = self.left.get(i, 0) + 1
        self.report = report

    def finished(self, batch: list[int]) -> None:
        complete = 0
        for k in batch:
            i = self.owner[k]
            self.left[i] -= 1
            complete += self.left[i] == 0
        if complete:
            self.report(complete)


def _check_choice(what: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise option_error(what, f"unknown {what} {value!r}; use one of {', '.join(choices)}")


def option_error(option: str, message: str) -> UsageError:
    """A UsageError about one Translator option; `option` lets the CLI name its flag."""
    error = UsageError(message)
    error.option = option
    return error
