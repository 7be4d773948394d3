"""Output checks: every command checks the paths it will write before it does any work.

A device node, a symbolic link, a folder where a file is meant (or the reverse), an output that
would destroy or mix with an input, a read-only or full disk: each is refused with one sentence
naming the path and the fix, before the work (:func:`check_output`).
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from tide_exp.errors import OS_FIXES, FileError, os_error

# Under this much free space the disk counts as full, and an output there is refused before
# the work (a checkpoint or a merged model needs far more; a report a few kB).
MIN_FREE_BYTES = 1 << 20
PROBE_PREFIX = ".tide-probe-"  # check_writable's file, removed at once


def refused(err: OSError, path: Path, problem: str = "cannot be written") -> FileError:
    """The one sentence for a write of ``path`` the system refused (full disk, read-only or
    forbidden folder: :func:`tide_exp.errors.os_error`; any other reason names the system's)."""
    return os_error(err, path, problem) or FileError(
        path, f"{problem} ({err.strerror or err})", "choose another output path"
    )


def check_target(path: Path) -> None:
    """Refuse a target that exists and is not a regular file (a folder, /dev/full, a link)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except NotADirectoryError:
        parent = next(p for p in path.parents if p.exists() and not p.is_dir())
        raise FileError(
            parent, "is a file, not a folder", "choose an output path in a folder"
        ) from None
    if stat.S_ISREG(mode):
        return
    kind = (
        "a folder"
        if stat.S_ISDIR(mode)
        else "a symbolic link"
        if stat.S_ISLNK(mode)
        else "a device or special file"
    )
    raise FileError(path, f"is {kind}, not a regular file", "choose another output path")


def check_output(
    path: str | Path,
    inputs: Iterable[str | Path] = (),
    folder: bool = False,
    replace: bool = False,
    writes: Iterable[str] = (),
) -> Path:
    """Check an output path before any work is done; every command that writes calls this first.

    Refuses a device node (``/dev/full``), a symbolic link, a folder where a file is meant (or a
    file where a folder is), an output that would destroy or mix with an input (see
    :func:`check_apart`), and a place that cannot be written or sits on a full disk
    (:func:`check_writable`); the atomic writers would otherwise replace the node or link,
    overwrite the input, or fail after all the work.

    Args:
        path: The file (or, with ``folder``, the folder) the command will write.
        inputs: Files and folders the command reads.
        folder: ``path`` is a folder to write files into.
        replace: ``path`` is a folder replaced whole (:func:`write_folder`), with all inside it.
        writes: The names of the files the command writes into the folder ``path``; none may
            be an input (``tide prepare data/pairs.jsonl --out data``).

    Raises:
        FileError: One sentence naming the path and the fix.
    """
    path = Path(path)
    folder = folder or replace
    inputs = list(inputs)
    try:
        if folder:
            if path.exists() and not path.is_dir():
                raise FileError(path, "is not a folder", "choose a folder for the output")
        else:
            check_target(path)
        check_apart(path, inputs, replace or not folder)
        for name in writes:
            check_apart(path / name, inputs)
        existing = nearest_existing(path if folder and path.is_dir() else path.parent)
    except OSError as err:  # a name too long, a loop of links
        raise refused(err, path, "cannot be used") from None
    if not existing.is_dir():
        raise FileError(existing, "is a file, not a folder", "choose an output path in a folder")
    check_writable(existing)
    return path


def nearest_existing(path: Path) -> Path:
    """``path``, or its nearest parent that exists: where a folder made later would go."""
    while not path.exists():
        path = path.parent
    return path


def check_writable(folder: str | Path) -> Path:
    """Create and remove a file in ``folder``, as the writers will, and check its disk has room.

    A probe rather than permission bits: root passes those, but not a read-only disk, and
    neither does a folder whose attributes forbid writing.

    Raises:
        FileError: The folder cannot be written, or its disk has under :data:`MIN_FREE_BYTES`.
    """
    folder = Path(folder)
    try:
        fd, name = tempfile.mkstemp(dir=folder, prefix=PROBE_PREFIX)
        os.close(fd)
        os.unlink(name)
        disk = os.statvfs(folder)
    except OSError as err:
        raise refused(err, folder, "is not writable") from None
    # Root may use the blocks kept back for it; a disk of unknown size (f_blocks 0) is let be.
    free = (disk.f_bfree if os.geteuid() == 0 else disk.f_bavail) * disk.f_frsize
    if disk.f_blocks and free < MIN_FREE_BYTES:
        raise FileError(
            folder, f"is on a full disk ({free // 1024} kB free)", OS_FIXES[errno.ENOSPC]
        )
    return folder


def check_apart(path: Path, inputs: Iterable[str | Path], whole: bool = True) -> None:
    """The one rule between an output and the inputs: an output is never an input, never sits
    inside an input folder, and (when written ``whole``: a file, a folder replaced with all in
    it) never contains an input. Paths compare resolved, so ``./x``, ``a/../x`` and symbolic
    links are seen through.

    Raises:
        FileError: Naming the output, the input and the fix.
    """
    out = path.resolve()
    for source in inputs:
        source = Path(source)
        real = source.resolve()
        if out == real or (path.exists() and source.exists() and os.path.samefile(path, source)):
            problem = "is also an input; writing it would destroy the input"
        elif out.is_relative_to(real):
            problem = f"is inside the input {source}; writing there would change the input"
        elif whole and real.is_relative_to(out):
            problem = f"contains the input {source}; replacing it would destroy the input"
        else:
            continue
        raise FileError(path, problem, "choose another output path")
