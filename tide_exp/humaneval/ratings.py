"""Import ratings: long or wide CSV, Qualtrics exports, Prolific demographics.

Everything becomes two tables: ``ratings`` (rater_id, question_id, rating: one row per
rating) and ``raters`` (one row per rater: duration, completion, attention, demographics).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

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
LONG_QUESTION = ("question_id", "qid")
LONG_RATING = ("rating", "score", "value", "response")
# Demographic and bookkeeping columns, first alias found wins (Prolific names included).
ALIASES = {
    "duration_min": ("duration_min",),
    "duration_s": ("duration_s", "Duration (in seconds)", "Time taken", "duration"),
    "finished": ("finished", "Finished"),
    "progress": ("progress", "Progress"),
    "status": ("status", "Status"),
    "attention_ok": ("attention_ok", "attention_check", "attention_passed"),
    "age": ("age", "Age", "D_age"),
    "gender": ("gender", "Gender", "Sex", "sex"),
    "education": ("education", "Education", "Highest education level completed"),
    "region": ("region", "Region", "us_region", "US region"),
    "race": ("race", "Race", "Ethnicity simplified", "ethnicity", "Ethnicity"),
}
MISSING = {"", "DATA_EXPIRED", "CONSENT_REVOKED", "nan", "NaN", "None"}
FIX = (
    "export ratings as CSV (long: rater_id,question_id,rating; or wide: one column per question_id)"
)


@dataclass
class Ratings:
    """Imported ratings: ``ratings`` long table and ``raters`` table indexed by rater_id."""

    ratings: pd.DataFrame
    raters: pd.DataFrame


def _read_csv(path: Path) -> tuple[pd.DataFrame, int]:
    """Read as strings; drop Qualtrics' question-text and ImportId rows. Returns frame, skipped."""
    if not path.is_file():
        raise SurveyInputError(path, "no such file", "pass the ratings CSV you exported")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise SurveyInputError(
            path,
            f"not a readable CSV ({str(exc).strip()})",
            FIX,
            line=int(line.group(1)) if line else None,
        ) from None
    skipped = 0
    for i in range(min(2, len(frame))):
        if frame.iloc[i].astype(str).str.startswith('{"ImportId"').any():
            skipped = i + 1
    return frame.iloc[skipped:].reset_index(drop=True), skipped


def _first(columns, names) -> str | None:
    return next((c for c in names if c in columns), None)


def _parse_rating(value: str, labels: dict[str, int]) -> float:
    value = value.strip()
    if value in MISSING:
        return np.nan
    match = re.match(r"^(\d+)(\.0+)?(\s*-.*)?$", value)
    if match:
        return float(match.group(1))
    return float(labels[value.lower()]) if value.lower() in labels else float("inf")


def _check_ratings(path, frame, columns, skipped, labels, scale) -> pd.DataFrame:
    out = {}
    for col in columns:
        parsed = frame[col].map(lambda v: _parse_rating(v, labels))
        bad = ~(parsed.isna() | parsed.between(1, scale))
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise SurveyInputError(
                path,
                f"rating {frame[col].iloc[row]!r} in column {col!r} is not 1..{scale}",
                f"ratings must be integers 1..{scale} (or '3 - label'); fix or blank the cell",
                line=row + skipped + 2,
                column=list(frame.columns).index(col) + 1,
            )
        out[col] = parsed
    return pd.DataFrame(out)


def _raters_table(frame: pd.DataFrame, id_col: str) -> pd.DataFrame:
    cols = {}
    for name, names in ALIASES.items():
        src = _first(frame.columns, names)
        if src:
            cols[name] = frame[src].replace(list(MISSING), np.nan).to_numpy()
    raters = pd.DataFrame(cols, index=frame[id_col].astype(str).to_numpy())
    raters.index.name = "rater_id"
    return raters[~raters.index.duplicated(keep="first")]


def read_ratings(
    path: str | Path,
    question_ids: list[str],
    labels: tuple[str, ...] = (),
    demographics: str | Path | None = None,
) -> Ratings:
    """Import a ratings file, long or wide; merge a Prolific demographics export if given.

    Args:
        path: CSV (long: rater_id, question_id, rating; wide: one column per question_id,
            Qualtrics exports with their extra header rows work as exported).
        question_ids: the key's question ids (wide columns to look for).
        labels: Likert labels, to read exports that hold label text instead of numbers.
        demographics: optional CSV with one row per rater (e.g. Prolific export).

    Raises:
        SurveyInputError: with file, line, column and the fix for a bad cell or layout.
    """
    path = Path(path)
    frame, skipped = _read_csv(path)
    id_col = _first(frame.columns, ID_COLUMNS)
    if id_col is None:
        raise SurveyInputError(path, f"no rater id column (one of {list(ID_COLUMNS)})", FIX, 1, 1)
    frame = frame[frame[id_col].str.strip() != ""]
    label_map = {lab.lower(): i for i, lab in enumerate(labels, start=1)}
    scale = max(len(labels), 5)
    q_col, r_col = _first(frame.columns, LONG_QUESTION), _first(frame.columns, LONG_RATING)
    if q_col and r_col:
        values = _check_ratings(path, frame, [r_col], skipped, label_map, scale)[r_col]
        long = pd.DataFrame(
            {"rater_id": frame[id_col].astype(str), "question_id": frame[q_col], "rating": values}
        )
    else:
        wide_cols = [q for q in question_ids if q in frame.columns]
        if not wide_cols:
            raise SurveyInputError(
                path,
                "no rating columns: neither question_id/rating nor any key question id",
                "use the key that matches this survey, or " + FIX,
                1,
                1,
            )
        values = _check_ratings(path, frame, wide_cols, skipped, label_map, scale)
        values.insert(0, "rater_id", frame[id_col].astype(str).to_numpy())
        long = values.melt(id_vars="rater_id", var_name="question_id", value_name="rating")
    raters = _raters_table(frame, id_col)
    if demographics is not None:
        raters = _merge_demographics(raters, Path(demographics))
    long = long.drop_duplicates(["rater_id", "question_id"], keep="last")
    return Ratings(ratings=long.reset_index(drop=True), raters=_typed(raters))


def _merge_demographics(raters: pd.DataFrame, path: Path) -> pd.DataFrame:
    frame, _ = _read_csv(path)
    id_col = _first(frame.columns, ID_COLUMNS)
    if id_col is None:
        raise SurveyInputError(path, "no participant id column", "keep 'Participant id'", 1, 1)
    extra = _raters_table(frame, id_col)
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


def _typed(raters: pd.DataFrame) -> pd.DataFrame:
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
