"""The few exception types the CLI turns into one-line errors and exit codes.

Library code raises these with a message written for the user; `mt.cli.main` prints `error: <message>`.
"""


class MtError(Exception):
    """Base class: a problem the user can fix. Exit code 2 (usage or set-up error)."""

    exit_code = 2


class UsageError(MtError):
    """Wrong arguments or options."""


class InputError(MtError):
    """An input file or folder that cannot be used (missing, not UTF-8, malformed)."""


class ModelLoadError(MtError):
    """The translation model cannot be loaded (no network, wrong path, not a MarianMT model)."""


class RulesError(MtError):
    """An invalid fix-rules file."""


class OutputError(MtError):
    """The output folder cannot be used or written (not writable, disk full, in use by another run)."""
