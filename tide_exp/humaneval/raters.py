"""Per-rater facts from a ratings or demographics file: duration, completion, demographics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tide_exp.humaneval.csvtable import CsvTable, read_csv_table
from tide_exp.humaneval.errors import SurveyInputError

ID_COLUMNS = (
    "rater_id",
    "PROLIFIC_PID",
    "participant_id",
    "Participant id",
    "ResponseId",
    "worker_id",
    "WorkerId",
)
# Demographic and bookkeeping columns, first alias found wins (Prolific names included).
ALIASES = {
    "duration_min": ("duration_min",),
    "duration_s": ("duration_s", "Duration (in seconds)", "Time taken", "duration"),
    "finished": ("finished", "Finished"),
    "progress": ("progress", "Progress"),
    "status": ("status", "Status"),
    "channel": ("DistributionChannel", "distribution_channel", "channel"),  # Qualtrics: preview
    "attention_ok": ("attention_ok", "attention_check", "attention_passed"),
    "age": ("age", "Age", "D_age"),
    # Study A's Table 3 reports sex and gender separately (Prolific exports "Sex" only).
    "sex": ("sex", "Sex"),
    "gender": ("gender", "Gender", "Gender identity"),
    "race": ("race", "Race", "Ethnicity simplified", "ethnicity", "Ethnicity"),
    "hispanic_origin": (
        "hispanic_origin",
        "hispanic",
        "Hispanic",
        "Hispanic origin",
        "Hispanic, Latino, or Spanish origin",
        "Hispanic or Latino",
    ),
    "education": ("education", "Education", "Highest education level completed"),
    "employment": ("employment", "Employment", "Employment status", "employment_status"),
    "region": ("region", "Region", "us_region", "US region"),
}
MISSING = {"", "DATA_EXPIRED", "CONSENT_REVOKED", "nan", "NaN", "None"}


def check_ids(table: CsvTable, rows, id_col: str, wide: bool) -> None:
    """Blank rater ids are errors; in a wide file (one row per rater) so are repeated ones."""
    col = table.header.index(id_col) + 1
    seen: dict[str, int] = {}
    for line, row in rows:
        rid = row[col - 1].strip()
        if not rid:
            raise SurveyInputError(
                table.path,
                f"blank rater id in column {id_col!r}",
                "fill in the rater's id or delete the row",
                line=line,
                column=col,
            )
        if wide and rid in seen:
            raise SurveyInputError(
                table.path,
                f"rater id {rid!r} also on line {seen[rid]} (two submissions of one rater)",
                "keep one submission per rater (or give them distinct ids)",
                line=line,
                column=col,
            )
        seen.setdefault(rid, line)


def first_column(columns, names) -> str | None:
    """The first of ``names`` that is one of ``columns``."""
    return next((c for c in names if c in columns), None)


def qualtrics_rows(table: CsvTable) -> int:
    """How many of the first rows are Qualtrics' question-text and ImportId header rows."""
    skipped = 0
    for i, (_, row) in enumerate(table.rows[:2]):
        if any(cell.startswith('{"ImportId"') for cell in row):
            skipped = i + 1
    return skipped


def raters_table(table: CsvTable, rows, id_col: str) -> pd.DataFrame:
    cols = {}
    for name, names in ALIASES.items():
        src = first_column(table.header, names)
        if src:
            i = table.header.index(src)
            cols[name] = [np.nan if r[i].strip() in MISSING else r[i].strip() for _, r in rows]
    ids = [r[table.header.index(id_col)].strip() for _, r in rows]
    raters = pd.DataFrame(cols, index=pd.Index(ids, name="rater_id"))
    return raters[~raters.index.duplicated(keep="first")]


def merge_demographics(raters: pd.DataFrame, path: Path) -> pd.DataFrame:
    table = read_csv_table(path, "pass a per-rater CSV such as the Prolific demographics export")
    rows = table.rows[qualtrics_rows(table) :]
    id_col = first_column(table.header, ID_COLUMNS)
    if id_col is None:
        raise SurveyInputError(path, "no participant id column", "keep 'Participant id'", 1, 1)
    check_ids(table, rows, id_col, wide=True)
    extra = raters_table(table, rows, id_col)
    # Survey-side values win; the demographics file fills what the survey lacks.
    return raters.combine_first(extra.reindex(raters.index))


def _bool(series: pd.Series) -> pd.Series:
    mapping = {
        "true": True,
        "1": True,
        "yes": True,
        "pass": True,
        "passed": True,
        "false": False,
        "0": False,
        "no": False,
        "fail": False,
        "failed": False,
    }
    return series.map(lambda v: mapping.get(str(v).strip().lower()) if pd.notna(v) else None)


def typed_raters(raters: pd.DataFrame) -> pd.DataFrame:
    raters = raters.copy()
    if "duration_min" in raters:
        raters["duration_min"] = pd.to_numeric(raters["duration_min"], errors="coerce")
    elif "duration_s" in raters:
        raters["duration_min"] = pd.to_numeric(raters["duration_s"], errors="coerce") / 60
    for col in ("progress", "age"):
        if col in raters:
            raters[col] = pd.to_numeric(raters[col], errors="coerce")
    for col in ("finished", "attention_ok"):
        if col in raters:
            raters[col] = _bool(raters[col])
    return raters.drop(columns=["duration_s"], errors="ignore")
