"""Atomic output writing for the human-evaluation files (the project's writers, plus CSV)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tide_exp.reporting.atomic import atomic_write_json as write_json
from tide_exp.reporting.atomic import atomic_write_text as write_text
from tide_exp.reporting.atomic import save_figure, write_atomic

__all__ = ["save_figure", "write_atomic", "write_csv", "write_json", "write_text"]


def write_csv(path: str | Path, frame: pd.DataFrame, index: bool = False) -> Path:
    """Write a CSV (UTF-8, no index by default) atomically."""
    return write_atomic(path, lambda p: frame.to_csv(p, index=index, encoding="utf-8"))
