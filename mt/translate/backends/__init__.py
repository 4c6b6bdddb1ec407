"""Inference engines behind `Translator`: a registry of backends that map source token ids to target ids.

Tokenization, batching, caching, splitting and the repetition guard live in `mt.translate`; a backend
only runs the model. Backends know nothing of each other.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mt.translate.model import ModelDefaults

BACKENDS: dict[str, type[Backend]] = {}
# weight types a backend may be asked for; `auto` lets the backend pick the fastest good one for its device
QUANTIZATIONS = ("auto", "int8", "int8_float32", "int8_float16", "float16", "float32")


def register_backend(name: str):
    """Class decorator: make a backend available as `--backend NAME`."""

    def wrap(cls):
        cls.name = name
        BACKENDS[name] = cls
        return cls

    return wrap


@dataclass(frozen=True)
class DecodeSettings:
    """Every decoding setting, resolved: what the caller asked for over the model's own defaults.

    Backends read nothing else (no config file, no fallback of their own), so they decode alike.
    """

    beams: int
    max_new_tokens: int  # the end-of-sentence token included
    eos_id: int
    pad_id: int
    decoder_start_id: int
    forced_eos_id: int | None = None  # put at the last place when the output reaches max_new_tokens
    min_new_tokens: int = 0
    length_penalty: float = 1.0
    repetition_penalty: float = 1.0
    no_repeat_ngram_size: int = 0
    # token sequences the model must never produce (MarianMT: its pad id), from mt.translate.model
    bad_words_ids: tuple[tuple[int, ...], ...] = ()

    @classmethod
    def resolve(cls, defaults: ModelDefaults, *, beams: int | None = None, max_new_tokens: int | None = None,
                min_new_tokens: int | None = None) -> DecodeSettings:
        """The one place decoding settings are decided: requested values over the model's defaults."""
        return cls(
            beams=beams or defaults.beams,
            # the model's max_length counts the decoder start token, which is not generated
            max_new_tokens=max_new_tokens or defaults.max_length - 1,
            min_new_tokens=min_new_tokens or 0,
            eos_id=defaults.eos_id,
            pad_id=defaults.pad_id,
            decoder_start_id=defaults.decoder_start_id,
            forced_eos_id=defaults.forced_eos_id,
            length_penalty=defaults.length_penalty,
            repetition_penalty=defaults.repetition_penalty,
            no_repeat_ngram_size=defaults.no_repeat_ngram_size,
            bad_words_ids=defaults.bad_words_ids,
        )


@dataclass(frozen=True)
class Generated:
    """One output: target token ids (no pad, no eos) and the model's score (mean log-prob) if known."""

    ids: list[int]
    score: float | None = None


class BackendUnavailable(Exception):
    """This backend cannot run this model here (e.g. conversion failed); `auto` falls back to another."""


class Backend(ABC):
    """A loaded model on a device. `generate` takes a batch of source id sequences (each ending in eos).

    Constructed as `Backend(model, device=..., quantization=..., threads=...)` where `model` is a hub id
    or a local folder of a Hugging Face MarianMT model; raises `mt.errors.ModelLoadError` when the model
    cannot be loaded at all and `BackendUnavailable` when only this backend cannot run it.
    """

    name: str = ""
    # padded source tokens per batch when none is asked for: each backend's own, measured with
    # scripts/bench_batch_tokens.py (the CLI help shows them)
    default_batch_tokens: int

    @abstractmethod
    def generate(self, batch: list[list[int]], settings: DecodeSettings) -> list[Generated]:
        """Translate one batch; outputs are in the order of `batch`."""
