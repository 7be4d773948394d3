"""Data frames as Markdown and LaTeX tables, through the one writer in
:mod:`tide_exp.reporting.table_writers` (so model labels and demographic categories are escaped there).
"""

from __future__ import annotations

import pandas as pd

from tide_exp.reporting.table_writers import latex_table, markdown_table


def _cell(value, digits: int) -> str:
    if isinstance(value, float):
        return "" if pd.isna(value) else f"{value:.{digits}f}"
    return "" if value is None else str(value)


def _cells(frame: pd.DataFrame, digits: int) -> tuple[list[str], list[list[str]], str]:
    """Header, formatted rows and the alignment (``r`` for numeric columns, else ``l``)."""
    header = [str(c) for c in frame.columns]
    rows = [[_cell(v, digits) for v in row] for row in frame.itertuples(index=False)]
    align = "".join("r" if pd.api.types.is_numeric_dtype(frame[c]) else "l" for c in frame)
    return header, rows, align


def to_markdown(frame: pd.DataFrame, digits: int = 2) -> str:
    """A GitHub-flavoured Markdown table; numbers right-aligned."""
    return markdown_table(*_cells(frame, digits)) + "\n"


def to_latex(frame: pd.DataFrame, caption: str = "", label: str = "", digits: int = 2) -> str:
    """A booktabs table (needs ``\\usepackage{booktabs}``)."""
    header, rows, align = _cells(frame, digits)
    return latex_table(header, rows, caption=caption or None, align=align, label=label or None)
