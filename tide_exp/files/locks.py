"""Folder locks: an OS lock (``flock``) on a file, gone with the process that holds it.

A run folder's ``.lock`` (:meth:`tide_exp.runs.folder.RunFolder.lock`) and a sweep folder's
(:mod:`tide_exp.runs.output_folders`) are both held this way; the file says who holds it (a
process id, and for a sweep its command line), so the one refused can name the other.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from tide_exp.errors import RunFolderBusyError, os_error


class LockHeld(RunFolderBusyError):
    """Another live process holds the lock; ``holder`` is what it wrote in the file (callers
    turn it into a sentence naming the folder and what holds it)."""

    def __init__(self, holder: str) -> None:
        super().__init__(f"locked by another live process ({holder or 'unnamed'})")
        self.holder = holder


def take_lock(path: Path, holder: str) -> int:
    """Lock ``path`` (created if missing) for this process and write ``holder`` into it.

    Returns:
        The open file descriptor; closing it (or the process ending) releases the lock, and a
        stale file locks nothing.

    Raises:
        LockHeld: Another live process holds it.
        FileError: The file cannot be written (a read-only or full disk: one sentence).
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as err:
        raise os_error(err, path, "cannot be written") or err from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        text = os.pread(fd, 4096, 0).decode(errors="replace").strip() or "?"
        os.close(fd)
        raise LockHeld(text) from None
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{holder}\n".encode(), 0)
    except OSError as err:
        os.close(fd)
        raise os_error(err, path, "cannot be written") or err from None
    return fd
