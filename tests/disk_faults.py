"""A read-only disk, a full one, and one that fills mid-write, as root too.

Tests run as root in CI, where permission bits stop nothing; so these make the system calls
the writers go through fail as the kernel would (``monkeypatch`` undoes them after the test):
creating a file or folder under a read-only folder (``EROFS``), the free space a disk reports,
and flushing a file to a disk that has filled (``ENOSPC``, where delayed allocation says so).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT


def read_only(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Nothing can be created or opened for writing in ``folder`` or below it."""
    folder = folder.resolve()
    real_open, real_mkdir = os.open, os.mkdir

    def refuse(path) -> None:
        target = Path(os.fsdecode(path)).absolute()
        if target == folder or folder in target.parents:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))

    def open_(path, flags, *args, **kwargs):
        if flags & WRITE_FLAGS:
            refuse(path)
        return real_open(path, flags, *args, **kwargs)

    def mkdir(path, *args, **kwargs):
        refuse(path)
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_)
    monkeypatch.setattr(os, "mkdir", mkdir)


def full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every disk reports no free block (``statvfs``), as a full one does."""
    real = os.statvfs

    def statvfs(path):
        disk = real(path)
        return os.statvfs_result((*disk[:3], 0, 0, *disk[5:]))  # f_bfree, f_bavail

    monkeypatch.setattr(os, "statvfs", statvfs)


def disk_fills(monkeypatch: pytest.MonkeyPatch, after: int = 0) -> list[int]:
    """The disk fills after ``after`` more files are flushed: later ``fsync`` calls fail with
    ``ENOSPC``. Returns the list of flushes so far (its length counts them)."""
    flushed: list[int] = []
    real = os.fsync

    def fsync(fd):
        if len(flushed) >= after:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        flushed.append(fd)
        return real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return flushed


def leftovers(folder: Path) -> list[str]:
    """Temp files and folders a writer left under ``folder`` (none should be)."""
    marks = (".tmp", ".tide-tmp-", ".tide-probe-", ".old")
    return sorted(str(p) for p in folder.rglob("*") if any(m in p.name for m in marks))
