"""Engines decide where translation happens (this process, or a Ray cluster); never how outputs are written.

The folder runner (mt.runs) plans each file, looks its sentences up in the cache, and hands the engine
one FileJob per file; the engine gives back one FileResult per job, in any order, as they complete.
"""

from __future__ import annotations

import importlib
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from mt.errors import InputError, UsageError

T = TypeVar("T")

ENGINES: dict[str, type[Engine]] = {}
ENGINE_CHOICES = ("local", "ray")


def register_engine(name: str):
    def wrap(cls):
        ENGINES[name] = cls
        cls.name = name
        return cls

    return wrap


@dataclass(frozen=True)
class FileJob:
    """One file's work: the unique non-blank sentences to translate (first-appearance order), none of
    which the cache holds; translating exactly this list keeps outputs identical across engines."""

    rel: str
    sentences: list[str]


@dataclass(frozen=True)
class FileResult:
    """The translations of a FileJob's sentences, in the same order; or the error that failed the file."""

    rel: str
    translations: list | None  # list[mt.translate.Translation]
    error: str | None = None


class Engine(ABC):
    """Translates FileJobs with the settings of the driver's `translator` (rebuilt elsewhere from
    `translator.options`). Engines never touch the output folder or the cache."""

    name = "engine"

    def __init__(self, translator, **options):
        self.translator = translator

    @abstractmethod
    def run(self, jobs: Iterable[FileJob], progress: Callable[[int], None]) -> Iterator[FileResult]:
        """Yield one FileResult per job as each completes; `progress(n)` reports n sentences finished.

        Take jobs from `jobs` in the calling thread (planning a job reads the driver's SQLite cache),
        and only as workers can take them, so each lookup sees the results that came back before it.
        """

    def close(self) -> None:  # noqa: B027 (most engines hold nothing to release)
        """Release workers (a private Ray instance is shut down here)."""


@register_engine("local")
class LocalEngine(Engine):
    """This process, one file after another: jobs are taken one at a time, so each file's cache lookup
    sees the translations of every file before it."""

    def run(self, jobs: Iterable[FileJob], progress: Callable[[int], None]) -> Iterator[FileResult]:
        for job in jobs:
            try:
                translations = interruptible(lambda job=job: self.translator.translate(
                    job.sentences, progress=progress, use_cache=False))
            except InputError as e:  # this file's text cannot be translated (e.g. a sentence over the limit)
                yield FileResult(job.rel, None, str(e))
                continue
            yield FileResult(job.rel, translations)


def interruptible(work: Callable[[], T]) -> T:
    """`work()` in a daemon thread, so that Ctrl-C stops the run at once: a batch inside the model's
    native code would hold the KeyboardInterrupt back until it returns, which can take many seconds."""
    box: dict = {}

    def target() -> None:
        try:
            box["value"] = work()
        except BaseException as e:  # handed to the caller's thread below
            box["error"] = e

    thread = threading.Thread(target=target, name="mt-translate", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(0.1)
    if "error" in box:
        raise box["error"]
    return box["value"]


def make_engine(name: str, translator, **options) -> Engine:
    """The engine registered under `name`; `ray` is imported only when asked for."""
    if name not in ENGINES and name not in ENGINE_CHOICES:
        raise UsageError(f"unknown engine {name!r}; use one of {', '.join(ENGINE_CHOICES)}")
    if name not in ENGINES:
        importlib.import_module(f"mt.engines.{name}")
    return ENGINES[name](translator, **options)
