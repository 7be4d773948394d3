"""Atomic file writes: a temp file in the same folder, then ``os.replace``.

A reader never sees half a results file, even if the run is killed mid-write.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

_UMASK = os.umask(0)
os.umask(_UMASK)


def write_atomic(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)``, then rename the temp file onto ``path``.

    A crash mid-write leaves the previous file (or none), never half a file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp creates 0600; results are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 ``text`` so the file is either the old one or the whole new one."""
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def atomic_write_json(path: str | Path, data: Any) -> Path:
    """Write ``data`` as indented JSON, atomically."""
    return atomic_write_text(
        path, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"
    )


def atomic_write_jsonl(path: str | Path, rows: list[dict]) -> Path:
    """Write one JSON object per line, atomically."""
    return atomic_write_text(
        path, "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in rows)
    )


def save_figure(fig: Any, path: str | Path, dpi: int = 150) -> Path:
    """Save a matplotlib figure atomically; the format comes from the suffix of ``path``."""
    path = Path(path)
    fmt = path.suffix.lstrip(".") or "png"
    return write_atomic(
        path, lambda tmp: fig.savefig(tmp, format=fmt, dpi=dpi, bbox_inches="tight")
    )
