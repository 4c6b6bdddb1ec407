"""The exchange-format interface: a `CorpusFormat` writes and reads (split, row) streams; a registry.

Each format is one module with one subclass registered by name; formats know nothing of each other.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from mt.corpus.dataset import Row
from mt.errors import UsageError
from mt.files import atomic_path

FORMATS: dict[str, type[CorpusFormat]] = {}


def register_format(cls: type[CorpusFormat]) -> type[CorpusFormat]:
    FORMATS[cls.name] = cls
    return cls


class CorpusFormat(ABC):
    """One exchange format. `read` yields (where, fields): `where` is "FILE:LINE" for error messages,
    `fields` a mapping with at least `it` and `en`, and `split`, `doc_id`, … where the format has them.
    """

    name: str = ""
    title: str = ""
    extensions: tuple[str, ...] = ()
    # the columns a round trip through this format cannot keep (import fills in defaults)
    loses: tuple[str, ...] = ()

    def outputs(self, path: Path) -> list[Path]:
        """The files `write(…, path)` creates."""
        return [path]

    def claims(self, path: Path) -> bool:
        """Whether an input or output path looks like this format."""
        return path.name.lower().endswith(self.extensions)

    @abstractmethod
    def write(self, rows: Iterable[tuple[str, Row]], path: Path) -> int:
        """Write (split, row) pairs in order; return how many were written."""

    @abstractmethod
    def read(self, path: Path) -> Iterator[tuple[str, dict]]:
        """Stream the records of `path`, raising InputError (naming file and line) on bad input."""


def get_format(name: str | None, path: Path) -> CorpusFormat:
    """The format named, or the one whose file naming `path` follows."""
    if name:
        if name not in FORMATS:
            raise UsageError(f"unknown format {name!r}; choose one of {', '.join(FORMATS)}")
        return FORMATS[name]()
    for cls in FORMATS.values():
        fmt = cls()
        if fmt.claims(path):
            return fmt
    raise UsageError(f"cannot tell the format of {path} from its name; pass --format "
                     f"({', '.join(FORMATS)})")


@contextmanager
def atomic_paths(paths: list[Path]) -> Iterator[list[Path]]:
    """Temp paths beside `paths` (mt.files.atomic_path), renamed onto them if the block finishes."""
    with ExitStack() as stack:
        yield [stack.enter_context(atomic_path(path)) for path in paths]
