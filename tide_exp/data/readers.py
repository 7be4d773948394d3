"""Raw records from JSONL, JSON, CSV/TSV and Parquet files, with bad rows located precisely.

:func:`read_records` yields ``(where, record)`` pairs: ``where`` is the 1-based line number
for JSONL and CSV, ``"record N"`` (0-based) for JSON arrays and ``"row N"`` for Parquet. A
row that cannot be read (invalid UTF-8, malformed JSON, a CSV row with too many fields, not an
object) goes to the :class:`~tide_exp.data.records.RowChecker`, which stops or skips it; a file
that cannot be read at all is one bad row named ``whole file``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tide_exp.data.records import RowChecker
from tide_exp.errors import DataError, DataSchemaError
from tide_exp.files import csv_rows, jsonl_rows

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
        if format not in set(FORMATS.values()):
            raise DataSchemaError(
                f"format must be one of {sorted(set(FORMATS.values()))}, got {format!r}."
            )
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
        files = sorted(p for p in root.iterdir() if p.is_file() and p.suffix.lower() in FORMATS)
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
        raise DataError(
            f"{path}: cannot be read ({err.strerror}); check the path and permissions."
        ) from None
    reader = {"jsonl": _jsonl, "json": _json, "csv": _csv, "tsv": _csv, "parquet": _parquet}[kind]
    yield from reader(path, raw, checker, delimiter="\t" if kind == "tsv" else ",")


def _objects(
    path: Path, items: list, checker: RowChecker, label: str
) -> Iterator[tuple[str, dict]]:
    for index, item in enumerate(items):
        if isinstance(item, dict):
            yield f"{label} {index}", item
        else:
            checker.bad(
                path, f"{label} {index}", f"expected an object, got {type(item).__name__}", item
            )


def _jsonl(path: Path, raw: bytes, checker: RowChecker, **_: Any) -> Iterator[tuple[int, dict]]:
    return jsonl_rows(path, raw, checker.bad)


def _decode(path: Path, raw: bytes, checker: RowChecker) -> str | None:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        checker.bad(
            path,
            "whole file",
            f"not valid UTF-8 at line {line} (byte {err.start}); re-save the file as UTF-8",
        )
        return None


def _json(
    path: Path, raw: bytes, checker: RowChecker, **_: Any
) -> Iterator[tuple[int | str, dict]]:
    text = _decode(path, raw, checker)
    if text is None:
        return
    try:
        data = json.loads(text)
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
        if not lists:
            yield "record 0", data  # one object: a single record
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
        import pyarrow.parquet as pq
    except ImportError:
        raise DataError(
            f"{path}: reading Parquet needs pyarrow; run `pip install pyarrow`."
        ) from None
    try:
        rows = pq.read_table(io.BytesIO(raw)).to_pylist()
    except Exception as err:  # pyarrow raises ArrowInvalid, OSError and others for corrupt files
        checker.bad(
            path, "whole file", f"not a readable Parquet file ({type(err).__name__}: {err})"
        )
        return
    yield from _objects(path, rows, checker, "row")
