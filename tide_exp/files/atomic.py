"""Atomic writes: a reader sees the old file or the whole new one, never half a file.

Every writer creates a temp file in the target's own folder (a move across file systems is not
atomic), flushes and fsyncs it, then ``os.replace``s it onto the target; a folder (a saved model,
an adapter) is filled in a temp folder and swapped in whole (:func:`write_folder`). Inside
:func:`all_or_nothing` the files written all stay or none do. The formats (JSON, JSONL, CSV,
figures) are written through :func:`write_atomic` by :mod:`tide_exp.files.writers`.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from tide_exp.errors import os_error
from tide_exp.files.checks import check_target, refused

_UMASK = os.umask(0)
os.umask(_UMASK)
FILE_MODE = 0o666 & ~_UMASK  # what open() gives a new file: 0644 under the usual umask 022
FOLDER_MODE = 0o777 & ~_UMASK


# --- a command's outputs: all of them or none ------------------------------------------------


@dataclass
class _Written:
    """What the writers changed inside :func:`all_or_nothing`, to put it back."""

    previous: dict[Path, Path | None] = field(default_factory=dict)  # file -> its old content
    made: list[Path] = field(default_factory=list)  # folders the writers created
    discarded: bool = False

    def discard(self) -> None:
        """Roll back at the end of the block though it ends without an error (a command that
        returns a failing exit status)."""
        self.discarded = True

    def keep_previous(self, path: Path) -> None:
        """Before ``path`` is first replaced: a hard link to its content (``None``: new file)."""
        path = path.absolute()
        if path in self.previous:
            return
        backup = None
        if path.is_file():
            backup = path.with_name(f".{path.name}.{secrets.token_hex(4)}.old.tmp")
            try:
                os.link(path, backup)  # no copy: the old content keeps its blocks
            except OSError:
                shutil.copy2(path, backup)  # a file system without hard links
        self.previous[path] = backup

    def roll_back(self) -> None:
        """Put every written file back as it was, and remove the folders made for them."""
        for path, backup in reversed(self.previous.items()):
            with contextlib.suppress(OSError):
                if backup is None:
                    path.unlink(missing_ok=True)
                else:
                    os.replace(backup, path)
        for made in reversed(self.made):
            for folder, _, _ in os.walk(made, topdown=False):
                with contextlib.suppress(OSError):
                    os.rmdir(folder)  # only when empty: a file someone else put there stays

    def commit(self) -> None:
        for backup in self.previous.values():
            if backup is not None:
                backup.unlink(missing_ok=True)


_BATCH: ContextVar[_Written | None] = ContextVar("tide_exp_files_written", default=None)


@contextlib.contextmanager
def all_or_nothing() -> Iterator[_Written]:
    """The files written inside (by :func:`write_atomic` and the writers on it) all stay, or,
    when the block raises (a full disk at the third file, Ctrl-C) or calls ``discard()`` on
    what it yields, none do: each is put back as it was, new ones removed with the folders
    made for them. Every command runs in one (:func:`tide_exp.cli.conventions.cli_entry`), so a
    command that fails leaves no half of its outputs. Nested blocks join the outermost.

    Folders written whole (:func:`write_folder`) are not rolled back: each is one output,
    swapped in last.
    """
    outer = _BATCH.get()
    if outer is not None:
        yield outer
        return
    written = _Written()
    token = _BATCH.set(written)
    try:
        yield written
    except BaseException:
        written.roll_back()
        raise
    else:
        written.roll_back() if written.discarded else written.commit()
    finally:
        _BATCH.reset(token)


@contextlib.contextmanager
def kept_as_written() -> Iterator[None]:
    """Inside, every write stays as soon as it is made, whatever an enclosing
    :func:`all_or_nothing` decides: a run folder's files (status, results, checkpoints) record
    what happened, a failure included (:func:`tide_exp.runs.job.run_job`)."""
    token = _BATCH.set(None)
    try:
        yield
    finally:
        _BATCH.reset(token)


def _make_folder(folder: Path) -> None:
    """``mkdir -p folder``, remembered by :func:`all_or_nothing` to remove on failure."""
    missing = None
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            break
        missing = candidate
    folder.mkdir(parents=True, exist_ok=True)
    batch = _BATCH.get()
    if missing is not None and batch is not None:
        batch.made.append(missing.absolute())


def _sync(path: Path) -> None:
    """Flush ``path``'s data to disk (a full disk may first say so here)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)``, then move the temp file onto ``path``.

    A crash or a full disk mid-write leaves the previous file (or none) and no temp file. The
    file gets the permissions of any new file (:data:`FILE_MODE`, from the umask).

    Raises:
        FileError: ``path`` is not a regular file, or the disk is full or not writable.
    """
    path = Path(path)
    tmp: Path | None = None
    try:
        check_target(path)
        _make_folder(path.parent)
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
        tmp = Path(name)
        write(tmp)
        _sync(tmp)  # the data is on disk before the rename makes it visible
        os.chmod(tmp, FILE_MODE)  # mkstemp creates 0600; results are meant to be shared
        batch = _BATCH.get()
        if batch is not None:
            batch.keep_previous(path)
        os.replace(tmp, path)
    except OSError as err:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        user_error = os_error(err, path, "cannot be written")
        if user_error is None:
            raise  # not the user's to fix (an I/O error): the traceback says where
        raise user_error from None
    except BaseException:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise
    return path


TEMP_TAG = ".tide-tmp-"  # write_folder's temp folders: .<name>.tide-tmp-XXXXXXXX (+ ".lock")
OLD_SUFFIX = ".old"  # the folder being replaced, between write_folder's two renames


def _share_and_sync(folder: Path) -> None:
    """Give every file and folder under ``folder`` the modes of new ones (safetensors writes
    0600) and flush the files to disk."""
    for root, _, names in os.walk(folder):
        os.chmod(root, FOLDER_MODE)
        for name in names:
            file = Path(root, name)
            if not file.is_symlink():
                executable = file.stat().st_mode & 0o111
                file.chmod(FOLDER_MODE if executable else FILE_MODE)
                _sync(file)


def write_folder(path: str | Path, fill: Callable[[Path], None]) -> Path:
    """Call ``fill(tmp_folder)``, then swap the temp folder in for ``path`` (replacing it).

    The folder (a saved model, an adapter) appears whole or not at all: a crash or a full disk
    mid-save leaves the previous folder, or none, and no temp folder; a process killed mid-save
    (``kill -9``) leaves its temp folder, which the next write of ``path`` removes
    (:func:`remove_stale_temp_folders`), putting back the previous folder when the kill fell
    between moving it aside and moving the new one in. Files get the modes of new ones.

    Raises:
        FileError: The disk is full or not writable (the previous folder stays).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temp_folders(path)
        # The lock comes first and goes last, so a temp folder without a held lock is a dead one.
        fd, lock_name = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}{TEMP_TAG}", suffix=".lock"
        )
    except OSError as err:
        raise refused(err, path) from None
    fcntl.flock(fd, fcntl.LOCK_EX)
    tmp = Path(lock_name.removesuffix(".lock"))
    old = tmp.with_name(tmp.name + OLD_SUFFIX)
    try:
        tmp.mkdir()
        fill(tmp)
        _share_and_sync(tmp)
        if path.exists() or path.is_symlink():
            path.rename(old)  # the previous folder stays whole until the new one is in place
        tmp.rename(path)
    except OSError as err:
        user_error = os_error(err, path, "cannot be written")
        if user_error is None:
            raise
        raise user_error from None
    finally:
        if old.exists() and not path.exists():
            old.rename(path)  # failed between the two renames: the previous folder goes back
        shutil.rmtree(old, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)
        Path(lock_name).unlink(missing_ok=True)
        os.close(fd)
    return path


def remove_stale_temp_folders(path: str | Path) -> list[Path]:
    """Remove the temp folders of writes of ``path`` whose process died (their lock is free).

    A live write (another process holding its lock) keeps its temp folder. A dead write's
    previous folder, moved aside when ``path`` is missing, is put back as ``path``. Returns
    the removed folders.
    """
    path = Path(path)
    removed = []
    entries = path.parent.glob(f".{glob.escape(path.name)}{TEMP_TAG}*")
    for tmp in sorted(entries, key=lambda p: p.suffix != OLD_SUFFIX):  # moved-aside ones first
        if tmp.suffix == ".lock" or not tmp.is_dir() or tmp.is_symlink():
            continue
        lock = tmp.with_name(tmp.name.removesuffix(OLD_SUFFIX) + ".lock")
        try:
            fd = os.open(lock, os.O_RDWR)
        except FileNotFoundError:
            fd = None  # the writer removes its lock last: this folder's writer is gone
        try:
            if fd is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # a live write
            if tmp.suffix == OLD_SUFFIX and not (path.exists() or path.is_symlink()):
                tmp.rename(path)  # killed between its two renames: the previous folder is back
            else:
                shutil.rmtree(tmp, ignore_errors=True)
                removed.append(tmp)
            lock.unlink(missing_ok=True)
        finally:
            if fd is not None:
                os.close(fd)
    return removed


def write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 ``text`` atomically."""

    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()

    return write_atomic(path, write)
