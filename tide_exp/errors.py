"""Errors a user can act on: each carries one sentence naming the thing and the fix."""

from __future__ import annotations

import errno
import os
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


class Interrupted(KeyboardInterrupt):
    """Ctrl-C stopped a run whose folder records it (status ``interrupted``); the message is
    the command that resumes it (:func:`tide_exp.runs.job.resume_command`)."""


class RunFolderBusyError(TideError):
    """Another process holds the run folder's lock (:meth:`tide_exp.runs.folder.RunFolder.lock`)."""


class ConfigMismatchError(ConfigError):
    """A re-run into a folder whose run had other settings."""


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
        self.problem = problem


class BadRecordError(DataError):
    """One row of a data file is malformed (the message names file, line or record, and what is wrong)."""


class DataSchemaError(DataError):
    """A data file or folder has no layout or fields the loaders recognise (the message lists what was found)."""


class DataUnavailableError(DataError):
    """A dataset cannot be had here (not in the local cache and the hub is unreachable, or gated)."""


# Failures of the operating system a user can fix (space, quota, permissions, a read-only disk):
# the fix each error message gives.
OS_FIXES = {
    errno.ENOSPC: "free some disk space or choose a folder on another disk",
    errno.EDQUOT: "free some disk space (your quota is used up) or choose another folder",
    errno.EACCES: "check the folder's permissions or choose another folder",
    errno.EPERM: "check the folder's permissions or choose another folder",
    errno.EROFS: "choose a folder on a writable disk",
    errno.ENAMETOOLONG: "choose a shorter name",
}


def os_error(
    err: OSError, path: str | Path | None = None, problem: str | None = None
) -> FileError | None:
    """The one-sentence :class:`FileError` for an ``OSError`` the user can fix (a full disk, a
    read-only or forbidden folder: :data:`OS_FIXES`), or ``None`` for any other.

    Args:
        err: The operating system's error.
        path: The file or folder to name (default: the one ``err`` names).
        problem: What could not be done (default: the system's words, ``No space left on device``).
    """
    fix = OS_FIXES.get(err.errno)
    if fix is None:
        return None
    reason = os.strerror(err.errno)
    where = path if path is not None else err.filename or "a file"
    return FileError(where, f"{problem} ({reason})" if problem else reason, fix)


def find_user_error(err: BaseException) -> TideError | None:
    """The :class:`TideError` behind ``err``, if any: Hydra's ``instantiate`` wraps what a
    target raises in an ``InstantiationException``, so a model unavailable offline reaches a
    command as that; every command and job unwraps it here, in one place.

    Failing that, an ``OSError`` the user can fix (:func:`os_error`: a full disk, a read-only
    folder), ``err`` itself or the cause it was raised ``from``, becomes its one sentence; one
    that is only the context of a later failure is not, so a bug met while handling it keeps
    its traceback.
    """
    seen: set[int] = set()
    current: BaseException | None = err
    system: FileError | None = None
    caused = True  # ``current`` is ``err`` or reached by ``raise ... from``
    while current is not None and id(current) not in seen:
        if isinstance(current, TideError):
            return current
        if caused and system is None and isinstance(current, OSError):
            system = os_error(current)
        seen.add(id(current))
        caused = caused and current.__cause__ is not None
        current = current.__cause__ or current.__context__
    return system
