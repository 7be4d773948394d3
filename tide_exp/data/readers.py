"""Raw records from JSONL, JSON, CSV/TSV and Parquet files, with bad rows located precisely.

:func:`read_records` yields ``(where, record)`` pairs: ``where`` is the 1-based line number
for JSONL and CSV, ``"record N"`` (0-based) for JSON arrays and ``"row N"`` for Parquet. A
row that cannot be read (invalid UTF-8, malformed JSON, a CSV row with too many fields, not an
object) goes to the :class:`~tide_exp.data.records.RowChecker`, which stops or skips it; a file
that cannot be read at all is one bad row named ``whole file``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tide_exp.data.records import RowChecker
from tide_exp.errors import DataError, DataSchemaError, check_choice
from tide_exp.files.parsing import ParseProblem, check_value, decode_utf8, loads_json
from tide_exp.files.readers import csv_rows, jsonl_rows

FORMATS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
# Keys under which a JSON file may keep its list of records.
JSON_LIST_KEYS = ("data", "records", "examples", "rows", "items")


def detect_format(path: Path, format: str | None = None) -> str:
    """The reader for ``path``: ``format`` when given, else from the file suffix."""
    if format is not None:
        check_choice("format", format, sorted(set(FORMATS.values())), DataSchemaError)
        return format
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise DataSchemaError(
            f"{path}: unknown file type '{path.suffix}'; use .jsonl, .json, .csv, .tsv or .parquet, or set format."
        ) from None


def data_files(path: str | Path | None) -> list[Path]:
    """``path`` itself, or the data files directly inside a folder (sorted by name)."""
    if path is None:
        raise DataError("no data path given: set data.source.path to a data file or folder.")
    root = Path(path).expanduser()
    if root.is_file():
        return [root]
    if root.is_dir():
        # Folders and broken links named like data files are kept: read_records reports them.
        files = sorted(p for p in root.iterdir() if p.suffix.lower() in FORMATS)
        if files:
            return files
        raise DataError(f"{root}: no .jsonl, .json, .csv, .tsv or .parquet files in this folder.")
    raise DataError(f"{root}: no such file or folder; check the data path.")


def read_records(
    path: Path, checker: RowChecker, format: str | None = None
) -> Iterator[tuple[int | str, dict]]:
    """Yield ``(where, record)`` for every readable object in ``path``; report the rest."""
    kind = detect_format(path, format)
    try:
        raw = path.read_bytes()
    except OSError as err:
        what = (
            "is a folder, not a data file"
            if path.is_dir()
            else "is a broken symbolic link"
            if path.is_symlink() and not path.exists()
            else f"cannot be read ({err.strerror})"
        )
        checker.bad(path, "whole file", f"{what}; remove or rename it, or check its permissions")
        return
    reader = {"jsonl": _jsonl, "json": _json, "csv": _csv, "tsv": _csv, "parquet": _parquet}[kind]
    yield from reader(path, raw, checker, delimiter="\t" if kind == "tsv" else ",")


def _objects(
    path: Path, items: list, checker: RowChecker, label: str
) -> Iterator[tuple[str, dict]]:
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            checker.bad(
                path, f"{label} {index}", f"expected an object, got {type(item).__name__}", item
            )
            continue
        try:
            check_value(item)  # too deep, or a lone surrogate: this record only
        except ParseProblem as err:
            checker.bad(path, f"{label} {index}", str(err))
            continue
        yield f"{label} {index}", item


def _jsonl(path: Path, raw: bytes, checker: RowChecker, **_: Any) -> Iterator[tuple[int, dict]]:
    return jsonl_rows(path, raw, checker.bad)


def _decode(path: Path, raw: bytes, checker: RowChecker) -> str | None:
    try:
        return decode_utf8(raw)
    except ParseProblem as err:
        checker.bad(path, "whole file", str(err))
        return None


def _json(
    path: Path, raw: bytes, checker: RowChecker, **_: Any
) -> Iterator[tuple[int | str, dict]]:
    text = _decode(path, raw, checker)
    if text is None:
        return
    try:
        data = loads_json(text, check=False)  # records are checked one by one below
    except ParseProblem as err:
        checker.bad(path, "whole file", f"{err}; fix the file")
        return
    except json.JSONDecodeError as err:
        if err.msg == "Extra data" and text.lstrip().startswith("{"):
            yield from _jsonl(path, raw, checker)  # JSON Lines saved as .json
            return
        checker.bad(
            path,
            "whole file",
            f"malformed JSON at line {err.lineno}, column {err.colno} ({err.msg}); fix the file",
        )
        return
    if isinstance(data, dict):
        lists = [k for k in JSON_LIST_KEYS if isinstance(data.get(k), list)]
        if not lists:  # one object: a single record
            yield from _objects(path, [data], checker, "record")
            return
        data = data[lists[0]]
    if not isinstance(data, list):
        checker.bad(
            path, "whole file", f"expected a list of objects, got {type(data).__name__}", text
        )
        return
    yield from _objects(path, data, checker, "record")


def _csv(
    path: Path, raw: bytes, checker: RowChecker, delimiter: str = ",", **_: Any
) -> Iterator[tuple[int, dict]]:
    return csv_rows(path, raw, checker.bad, delimiter=delimiter)


def _parquet(path: Path, raw: bytes, checker: RowChecker, **_: Any) -> Iterator[tuple[str, dict]]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise DataError(
            f"{path}: reading Parquet needs pyarrow; run `pip install pyarrow`."
        ) from None
    try:
        # Read in this thread only. pq.read_table goes through the dataset scanner, which starts
        # Arrow's CPU and IO thread pools (std::threads); at interpreter exit they can still be
        # joinable while static destructors run, and the process dies with "terminate called
        # without an active exception" (rc 134, apache/arrow#34314). ParquetFile.read with
        # use_threads=False and pre_buffer=False starts no pool thread; the files are small.
        reader = pq.ParquetFile(pa.BufferReader(raw), pre_buffer=False)
        rows = reader.read(use_threads=False).to_pylist()
    except Exception as err:  # pyarrow raises ArrowInvalid, OSError and others for corrupt files
        checker.bad(
            path, "whole file", f"not a readable Parquet file ({type(err).__name__}: {err})"
        )
        return
    for index, row in enumerate(rows):  # each row is a dict: one per record of the table
        try:
            check_value(row)  # nested columns can be as deep as any JSON
        except ParseProblem as err:
            checker.bad(path, f"row {index}", str(err), "")
            continue
        yield f"row {index}", row
