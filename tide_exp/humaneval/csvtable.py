"""One strict CSV reader for the human-evaluation inputs (ratings, key, gold, demographics).

Bytes and line decoding come from :mod:`tide_exp.files`; the table parse is stricter than
``tide_exp.files.readers.csv_rows`` where ratings need it (repeated column names, an empty file, a stop at
the first malformed row rather than a skipped one).

Every cell stays a string and every data row keeps the line it started on, so the callers'
errors can name the line. A file that cannot be read as a table (missing, a folder, empty,
invalid UTF-8, an unterminated quote, a row with more or fewer fields than the header,
repeated column names) raises :class:`SurveyInputError` naming the file and line.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from tide_exp.errors import FileError
from tide_exp.files.readers import decode_lines, read_bytes
from tide_exp.humaneval.errors import SurveyInputError

# Replies and free-text answers may be long; the csv module's default cap (128 KB) would
# stop such a file with a confusing error.
csv.field_size_limit(2**31 - 1)


@dataclass
class CsvTable:
    """A CSV file's header and data rows, each row with the line number it starts on."""

    path: Path
    header: list[str]
    rows: list[tuple[int, list[str]]]

    def column(self, name: str) -> list[str]:
        """One column's cells, in row order."""
        index = self.header.index(name)
        return [row[index] for _, row in self.rows]

    def records(self) -> list[tuple[int, dict[str, str]]]:
        """``(line, {column: cell})`` per data row."""
        return [(line, dict(zip(self.header, row, strict=True))) for line, row in self.rows]


def _raise(fix: str):
    """A ``tide_exp.files`` bad-line callback that stops with a SurveyInputError."""

    def bad(path: Path, where: int | str, reason: str, record: object = "") -> None:
        line = where if isinstance(where, int) else None
        raise SurveyInputError(path, reason, fix, line=line)

    return bad


def read_csv_table(path: str | Path, fix: str) -> CsvTable:
    """Read ``path`` strictly: header + equally long rows, every problem named by line.

    Args:
        path: the CSV file.
        fix: what the user should pass instead, appended to every error.

    Raises:
        SurveyInputError: naming the file and line of the first problem.
    """
    path = Path(path)
    if not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "no such file"
        raise SurveyInputError(path, what, fix)
    try:
        raw = read_bytes(path)
    except FileError as err:
        raise SurveyInputError(path, f"cannot be read ({err})", fix) from None
    # The project's line decoder: drops a BOM, names the line of invalid UTF-8.
    text = "\n".join(t or "" for _, t in decode_lines(path, raw, _raise(fix)))
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            raise SurveyInputError(path, f"malformed CSV ({err})", fix, line=start) from None
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = [cell.strip() for cell in row]
            repeated = sorted({c for c in header if header.count(c) > 1})
            if repeated:
                raise SurveyInputError(
                    path, f"column name(s) {repeated} appear more than once", fix, line=start
                )
            continue
        if len(row) != len(header):
            raise SurveyInputError(
                path,
                f"row has {len(row)} fields but the header has {len(header)} "
                "(a stray comma or quote?)",
                fix,
                line=start,
            )
        rows.append((start, row))
    if header is None:
        raise SurveyInputError(path, "file is empty (no header row)", fix)
    return CsvTable(path, header, rows)
