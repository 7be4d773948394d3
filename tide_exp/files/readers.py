"""Reading files: the one line-level reader for JSONL and CSV, and JSON and YAML files.

Every reader names the file, and the line when there is one, in its errors; the text itself is
parsed by :mod:`tide_exp.files.parsing`, which refuses what later steps could not handle.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from tide_exp.errors import FileError
from tide_exp.files.parsing import ParseProblem, csv_records, decode_utf8, loads_json


class BadLine(Protocol):
    """Called for a line that cannot be read: ``bad(path, line_or_place, reason, excerpt)``.

    :meth:`tide_exp.data.records.RowChecker.bad` is one; it raises or records the row.
    """

    def __call__(self, path: Path, where: int | str, reason: str, record: Any = "") -> None: ...


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

    Records are split by :func:`tide_exp.files.parsing.csv_records`: an unterminated quote is one bad
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
