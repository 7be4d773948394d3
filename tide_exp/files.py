"""Reading and writing files: atomic writers and the one line-level reader for JSONL and CSV.

Bottom layer: imports nothing of tide_exp but :mod:`tide_exp.errors` and
:mod:`tide_exp.parsing` (which parses untrusted JSON and CSV text). Every writer creates a
temp file in the target's own folder (a move across file systems is not atomic), flushes and
fsyncs it, then ``os.replace``s it onto the target: a reader sees the old file or the whole new
one, never half a file. Every reader names the file, and the line when there is one, in its
errors.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import fcntl
import glob
import io
import json
import math
import os
import re
import secrets
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from tide_exp.errors import OS_FIXES, FileError, os_error
from tide_exp.parsing import ParseProblem, csv_records, decode_utf8, loads_json

_UMASK = os.umask(0)
os.umask(_UMASK)
FILE_MODE = 0o666 & ~_UMASK  # what open() gives a new file: 0644 under the usual umask 022
FOLDER_MODE = 0o777 & ~_UMASK

# Under this much free space the disk counts as full, and an output there is refused before
# the work (a checkpoint or a merged model needs far more; a report a few kB).
MIN_FREE_BYTES = 1 << 20
PROBE_PREFIX = ".tide-probe-"  # check_writable's file, removed at once


class BadLine(Protocol):
    """Called for a line that cannot be read: ``bad(path, line_or_place, reason, excerpt)``.

    :meth:`tide_exp.data.records.RowChecker.bad` is one; it raises or records the row.
    """

    def __call__(self, path: Path, where: int | str, reason: str, record: Any = "") -> None: ...


# --- writing ---------------------------------------------------------------------------------


def _refused(err: OSError, path: Path, problem: str = "cannot be written") -> FileError:
    """The one sentence for a write of ``path`` the system refused (full disk, read-only or
    forbidden folder: :func:`tide_exp.errors.os_error`; any other reason names the system's)."""
    return os_error(err, path, problem) or FileError(
        path, f"{problem} ({err.strerror or err})", "choose another output path"
    )


def _check_target(path: Path) -> None:
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
            _check_target(path)
        check_apart(path, inputs, replace or not folder)
        for name in writes:
            check_apart(path / name, inputs)
        existing = nearest_existing(path if folder and path.is_dir() else path.parent)
    except OSError as err:  # a name too long, a loop of links
        raise _refused(err, path, "cannot be used") from None
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
        raise _refused(err, folder, "is not writable") from None
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
    made for them. Every command runs in one (:func:`tide_exp.commands.cli_entry`), so a
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
    what happened, a failure included (:func:`tide_exp.job.run_job`)."""
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
        _check_target(path)
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
        raise _refused(err, path) from None
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


def json_safe(value: Any) -> Any:
    """``value`` with every NaN and infinity replaced by ``None`` (JSON ``null``)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def dumps(data: Any, indent: int | None = None) -> str:
    """Strict JSON text: NaN/inf become ``null``, other objects their ``str``."""
    return json.dumps(
        json_safe(data), indent=indent, ensure_ascii=False, allow_nan=False, default=str
    )


def write_json(path: str | Path, data: Any) -> Path:
    """Write ``data`` as indented strict JSON (NaN/inf as ``null``), atomically."""
    return write_text(path, dumps(data, indent=2) + "\n")


def write_jsonl(path: str | Path, rows: Iterable[Any]) -> Path:
    """Write one strict JSON object per line, atomically."""
    return write_text(path, "".join(dumps(row) + "\n" for row in rows))


def write_csv(path: str | Path, frame: Any, index: bool = False) -> Path:
    """Write a CSV (UTF-8) atomically.

    Args:
        path: Target file.
        frame: A pandas DataFrame (written with ``to_csv``) or a list of dicts (columns from
            the first row's keys, in order).
        index: Write the DataFrame's index too.
    """
    if hasattr(frame, "to_csv"):
        return write_atomic(path, lambda tmp: frame.to_csv(tmp, index=index, encoding="utf-8"))
    rows = list(frame)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else [], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return write_text(path, out.getvalue())


def save_figure(fig: Any, path: str | Path, dpi: int = 150) -> Path:
    """Save a matplotlib figure atomically; the format comes from the suffix of ``path``."""
    path = Path(path)
    fmt = path.suffix.lstrip(".") or "png"
    return write_atomic(
        path, lambda tmp: fig.savefig(tmp, format=fmt, dpi=dpi, bbox_inches="tight")
    )


# --- reading ---------------------------------------------------------------------------------


def read_bytes(path: str | Path) -> bytes:
    """The bytes of ``path``; a missing or unreadable file is a :class:`FileError`."""
    path = Path(path)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise FileError(path, "no such file", "check the path") from None
    except IsADirectoryError:
        raise FileError(path, "is a folder, not a file", "pass the file inside it") from None
    except OSError as err:
        raise FileError(
            path, f"cannot be read ({err.strerror})", "check the path and permissions"
        ) from None


def decode_lines(path: Path, raw: bytes, bad: BadLine) -> Iterator[tuple[int, str | None]]:
    """``(number, text)`` per line, a leading byte-order mark dropped (also on a later line, where
    files were concatenated); ``None`` (reported with the file's line and byte offset) where the
    line is not UTF-8."""
    offset = 0
    for number, line in enumerate(raw.split(b"\n"), start=1):
        try:
            yield (
                number,
                decode_utf8(line, offset, number),
            )
        except ParseProblem as err:
            bad(path, number, str(err), line[:80])
            yield number, None
        offset += len(line) + 1


def jsonl_rows(path: Path, raw: bytes, bad: BadLine) -> Iterator[tuple[int, dict]]:
    """``(line number, object)`` per non-blank line; ``bad`` hears of every other line."""
    for number, text in decode_lines(path, raw, bad):
        if text is None or not text.strip():
            continue
        try:
            record = loads_json(text)
        except json.JSONDecodeError as err:
            bad(path, number, f"malformed JSON at column {err.colno} ({err.msg})", text)
            continue
        except ParseProblem as err:  # too deep, an over-long integer, a lone surrogate
            bad(path, number, str(err), text)
            continue
        if isinstance(record, dict):
            yield number, record
        else:
            bad(path, number, f"expected a JSON object, got {type(record).__name__}", text)


def csv_rows(
    path: Path, raw: bytes, bad: BadLine, delimiter: str = ","
) -> Iterator[tuple[int, dict]]:
    """``(first line number, {header: cell})`` per data row; ``bad`` hears of malformed rows.

    Records are split by :func:`tide_exp.parsing.csv_records`: an unterminated quote is one bad
    row at the line where it opened, and the lines after it are still read.
    """
    # An undecodable line stays as a blank one, to keep the line numbers of the rows below; it
    # is reported when the rows reach it, so the first error raised is the first bad line.
    undecodable: list[tuple[int, str, Any]] = []
    lines = [
        text
        for _, text in decode_lines(path, raw, lambda _p, n, r, x="": undecodable.append((n, r, x)))
    ]
    for number, row, reason in csv_records(lines, delimiter):
        while undecodable and undecodable[0][0] < number:
            bad(path, *undecodable.pop(0))
        if row is None:
            bad(path, number, reason, lines[number - 1] or "")
        else:
            yield number, row
    for problem in undecodable:
        bad(path, *problem)


def raise_bad(fix: str) -> BadLine:
    """A :data:`BadLine` that stops at the first bad line with a :class:`FileError`."""

    def bad(path: Path, where: int | str, reason: str, record: Any = "") -> None:
        line = where if isinstance(where, int) else None
        raise FileError(path, reason, fix, line=line)

    return bad


def read_jsonl(path: str | Path, fix: str = "make each line one JSON object") -> list[dict]:
    """Every object of a JSON Lines file; the first bad line is a :class:`FileError` naming it."""
    path = Path(path)
    return [row for _, row in jsonl_rows(path, read_bytes(path), raise_bad(fix))]


def read_json(path: str | Path, fix: str = "repair or re-create the file") -> Any:
    """Parse a JSON file; a missing file or bad JSON is a :class:`FileError` with its line."""
    path = Path(path)
    raw = read_bytes(path)
    try:
        return loads_json(decode_utf8(raw))
    except ParseProblem as err:
        problem, _, own_fix = str(err).partition("; ")
        raise FileError(path, problem, own_fix or fix) from None
    except json.JSONDecodeError as err:
        raise FileError(
            path, f"invalid JSON ({err.msg})", fix, line=err.lineno, column=err.colno
        ) from None


def read_yaml(path: str | Path, fix: str = "fix the YAML syntax") -> Any:
    """Parse a YAML file; a missing file or bad YAML is a :class:`FileError` with its line."""
    import yaml

    path = Path(path)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileError(path, "no such file", "pass an existing YAML file") from None
    except UnicodeDecodeError:
        raise FileError(path, "not valid UTF-8", "re-save the file as UTF-8") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise FileError(
            path,
            "invalid YAML",
            fix,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None


def natural_key(path: str | Path) -> list[list[tuple[int, int | str]]]:
    """Sort key that orders numbered job folders by number: ``2_x`` before ``10_x``."""
    return [
        [
            (0, int(piece)) if piece.isdigit() else (1, piece)
            for piece in re.split(r"(\d+)", part)
            if piece
        ]
        for part in Path(path).parts
    ]
