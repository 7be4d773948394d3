"""Parse untrusted JSON and CSV text into values every later step can handle, or say why not.

Both the data loaders and the scorer read files a user hands them, so a hostile or broken file
must become a reported bad row, never a crash deep in a tokenizer or a lost row:

- :func:`loads_json` rejects what :func:`json.loads` accepts but later code cannot use: nesting
  deeper than :data:`MAX_DEPTH` (``json`` itself dies with ``RecursionError`` near 1,000 levels,
  and ``repr``, pyarrow and the tokenizer recurse too), integers over Python's 4,300-digit
  conversion limit, and lone UTF-16 surrogate escapes (``"\\ud800"``), which decode to a Python
  string that cannot be encoded as UTF-8, so the tokenizer and the sentence encoder fail on it.
- :func:`csv_records` splits CSV text into records itself before handing each one to :mod:`csv`, so
  an unterminated quote costs one reported row (the line where the quote opened), not every row
  after it, and any multi-line record that does not parse is re-read line by line from the line
  after its start: every line ends up in a loaded row or a reported one.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from typing import Any

from tide_exp.errors import DataError

# Deeper than any real record; well below the interpreter's recursion limit (1,000 by default).
MAX_DEPTH = 64


class ParseProblem(DataError, ValueError):
    """Text that parses but cannot be used; the message says what is wrong, for a bad-row report."""


def loads_json(text: str, check: bool = True) -> Any:
    """``json.loads(text)``, refusing values the rest of the pipeline cannot handle.

    Args:
        text: The JSON text.
        check: Apply :func:`check_value` to the result; ``False`` for a file of many records,
            whose caller checks each record so that one bad record is one bad row.

    Raises:
        json.JSONDecodeError: The text is not JSON (callers format its line and column).
        ParseProblem: Nested deeper than :data:`MAX_DEPTH`, an integer too long to convert, or a
            lone surrogate escape in a string or key.
    """
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise ParseProblem(f"JSON nested too deeply (more than {MAX_DEPTH} levels)") from None
    except ValueError:  # int() of a number over sys.get_int_max_str_digits() digits
        raise ParseProblem(
            f"a number has more than {sys.get_int_max_str_digits():,} digits"
        ) from None
    if check:
        check_value(value)
    return value


def check_value(value: Any) -> None:
    """Refuse nesting deeper than :data:`MAX_DEPTH` and lone surrogates in strings and keys.

    Walked with an explicit stack: the value may be nested about 1,000 deep.

    Raises:
        ParseProblem: Saying which.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, (dict, list)):
            if depth > MAX_DEPTH:
                raise ParseProblem(f"JSON nested too deeply (more than {MAX_DEPTH} levels)")
            if isinstance(item, dict):
                for key, child in item.items():
                    _check_text(key)
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        raise ParseProblem(
            f"lone surrogate escape \\u{ord(text[err.start]):04x} in a string "
            "(half of a UTF-16 pair; not text)"
        ) from None


BOM = b"\xef\xbb\xbf"


def decode_utf8(raw: bytes, offset: int = 0, line: int = 1) -> str:
    """``raw`` as text, a leading byte-order mark dropped.

    Args:
        raw: The bytes of a file, or of one line of it.
        offset: Where ``raw`` starts in its file, so the error gives the file's byte offset.
        line: The file's line number of the first line of ``raw``.

    Raises:
        ParseProblem: Not UTF-8; names the file's line and byte offset of the first bad byte.
    """
    skip = len(BOM) if raw.startswith(BOM) else 0
    try:
        return raw[skip:].decode("utf-8")
    except UnicodeDecodeError as err:
        at = skip + err.start
        line += raw.count(b"\n", 0, at)
        raise ParseProblem(
            f"not valid UTF-8 at line {line} (byte {offset + at} "
            "of the file); re-save the file as UTF-8"
        ) from None


# States of the CSV quote scanner, as in CPython's Modules/_csv.c (doublequote on).
_START, _FIELD, _QUOTED, _QUOTE_IN_QUOTED = range(4)


def _scan(line: str, state: int, delimiter: str) -> int:
    """The quote state after ``line``: ``_QUOTED`` means the record goes on to the next line."""
    for char in line:
        if state == _START:
            state = _QUOTED if char == '"' else _START if char == delimiter else _FIELD
        elif state == _FIELD:
            if char == delimiter:
                state = _START
        elif state == _QUOTED:
            if char == '"':
                state = _QUOTE_IN_QUOTED
        elif char == '"':  # "" inside quotes: an escaped quote
            state = _QUOTED
        else:
            state = _START if char == delimiter else _FIELD
    return _QUOTED if state == _QUOTED else _START


def csv_records(
    lines: list[str | None], delimiter: str = ","
) -> Iterator[tuple[int, dict[str, str] | None, str]]:
    """Rows of a CSV file as ``(line, row, "")``, bad ones as ``(line, None, reason)``.

    ``lines`` are the file's lines without their ``\\n`` (``None``: a line already reported, for
    instance as invalid UTF-8; it counts as blank). The first non-blank record is the header; a
    bad header is reported at its line with ``row`` ``None`` and ends the file. ``line`` is the
    1-based line where a record starts. Blank lines are not rows.
    """
    text = [(line or "").removesuffix("\r") for line in lines]
    header: list[str] | None = None
    limit = csv.field_size_limit()
    # Fields may be long (a whole transcript); the file is already in memory, so the 128 KB
    # default protects nothing here. Restored after, since the limit is process-wide.
    csv.field_size_limit(sys.maxsize)
    try:
        start = 0
        while start < len(text):
            if not text[start].strip():
                start += 1
                continue
            end, state = start, _scan(text[start], _START, delimiter)
            while state == _QUOTED and end + 1 < len(text):
                end += 1
                state = _scan(text[end], state, delimiter)
            if state == _QUOTED:
                reason = "a quote opened on this line is never closed; close or remove it"
                record = None
            else:
                reason, record = _parse(text[start : end + 1], delimiter)
            if record is not None and header is None:
                header = [cell.strip() for cell in record]
                start = end + 1
                continue
            if record is not None and len(record) != len(header):
                reason = (
                    f"has {len(record)} fields, the header has {len(header)} "
                    "(an unquoted delimiter or a stray quote?)"
                )
                record = None
            if record is None:
                yield start + 1, None, reason
                if header is None:
                    return  # without a header no row below can be read
                start += 1  # re-read the lines a bad multi-line record spanned, one by one
                continue
            yield start + 1, dict(zip(header, record, strict=True)), ""
            start = end + 1
    finally:
        csv.field_size_limit(limit)


def _parse(lines: list[str], delimiter: str) -> tuple[str, list[str] | None]:
    try:
        records = list(
            csv.reader([line + "\n" for line in lines], delimiter=delimiter, strict=True)
        )
    except csv.Error as err:
        return f"malformed CSV ({err})", None
    if len(records) != 1:
        return "malformed CSV (a stray quote or line break)", None
    return "", records[0]
