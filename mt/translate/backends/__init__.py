"""Inference engines behind `Translator`: a registry of backends that map source token ids to target ids.

Tokenization, batching, caching, splitting and the repetition guard live in `mt.translate`; a backend
only runs the model. Backends know nothing of each other.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

BACKENDS: dict[str, type[Backend]] = {}


def register_backend(name: str):
    """Class decorator: make a backend available as `--backend NAME`."""

    def wrap(cls):
        cls.name = name
        BACKENDS[name] = cls
        return cls

    return wrap


@dataclass(frozen=True)
class DecodeSettings:
    """Decoding settings; None means the model's own generation default."""

    beams: int | None = None
    max_new_tokens: int | None = None
    min_new_tokens: int | None = None
    repetition_penalty: float | None = None
    length_penalty: float | None = None
    no_repeat_ngram_size: int | None = None
    # token sequences the model must never produce (MarianMT: its pad id), from mt.translate.model
    bad_words_ids: tuple[tuple[int, ...], ...] = ()


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
    # padded source tokens per batch when --batch-tokens is not given (scripts/bench_batch_tokens.py)
    default_batch_tokens: int = 4096

    @abstractmethod
    def generate(self, batch: list[list[int]], settings: DecodeSettings) -> list[Generated]:
        """Translate one batch; outputs are in the order of `batch`."""
