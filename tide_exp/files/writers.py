"""Files in their formats, each written atomically (:func:`tide_exp.files.atomic.write_atomic`):
strict JSON (NaN and infinity as ``null``), JSON Lines, CSV and matplotlib figures.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tide_exp.files.atomic import write_atomic, write_text


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
