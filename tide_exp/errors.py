"""Errors a user can act on: each carries one sentence naming the thing and the fix."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

EXIT_USER_ERROR = 2
"""Exit status of every command for input the user can fix (file, config, argument), as argparse."""


class TideError(Exception):
    """Base class: the message is shown to the user as is, without a traceback."""


class ModelUnavailableError(TideError):
    """A model cannot be loaded here (not cached offline, gated, or missing files)."""


class DataError(TideError):
    """A data file is missing or malformed."""


class ConfigError(TideError):
    """A configuration value is invalid."""


def check_choice(
    key: str, value: object, choices: Iterable[object], error: type[TideError] = ConfigError
) -> None:
    """Raise ``error`` naming ``key``, the allowed values and ``value`` unless it is one of them.

    The one check behind every "must be one of" option (``data.loss_on``, ``on_error``...).
    """
    allowed = list(choices)
    if value not in allowed:
        raise error(f"{key} must be one of {', '.join(map(str, allowed))}, got {value!r}.")


class ResourceMissingError(TideError, LookupError):
    """Data a metric needs (NLTK data, an embedded model) is not installed; the message says how.

    Also a ``LookupError``, as NLTK's own missing-data error is.
    """


class NoRunsError(TideError, FileNotFoundError):
    """No finished run where a report looks (the message names the folders)."""


class FileError(DataError):
    """A file is missing, malformed or cannot be written; the message names it (line, column).

    The message reads ``path[:line[:column]]: problem. Fix: fix``.
    """

    def __init__(
        self,
        path: str | Path,
        problem: str,
        fix: str,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        where = str(path)
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {problem}. Fix: {fix}")
        self.path, self.line, self.column = str(path), line, column


class BadRecordError(DataError):
    """One row of a data file is malformed (the message names file, line or record, and what is wrong)."""


class DataSchemaError(DataError):
    """A data file or folder has no layout or fields the loaders recognise (the message lists what was found)."""


class DataUnavailableError(DataError):
    """A dataset cannot be had here (not in the local cache and the hub is unreachable, or gated)."""


def find_user_error(err: BaseException) -> TideError | None:
    """The :class:`TideError` behind ``err``, if any: Hydra's ``instantiate`` wraps what a
    target raises in an ``InstantiationException``, so a model unavailable offline reaches a
    command as that; every command and job unwraps it here, in one place."""
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        if isinstance(current, TideError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None
