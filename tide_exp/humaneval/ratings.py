"""Import ratings: long or wide CSV, Qualtrics exports, Prolific demographics.

Everything becomes two tables: ``ratings`` (rater_id, question_id, dimension, rating: one
row per rating) and ``raters`` (one row per rater: duration, completion, attention,
demographics). Nothing is dropped or merged silently: a blank or repeated rater id, a
repeated (rater, question) rating, a question id the key does not have, a rating outside
the scale and a ratings file from another survey each stop the import with the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from tide_exp.humaneval.csvtable import CsvTable, read_csv_table
from tide_exp.humaneval.errors import SurveyInputError
from tide_exp.humaneval.raters import (
    ID_COLUMNS,
    MISSING,
    check_ids,
    first_column,
    merge_demographics,
    qualtrics_rows,
    raters_table,
    typed_raters,
)
from tide_exp.humaneval.survey import DEFAULT_DIMENSIONS, rating_column

LONG_QUESTION = ("question_id", "qid")
LONG_RATING = ("rating", "score", "value", "response")
SURVEY_ID = "survey_id"
# A column named like a survey question (I07_3, I07d2_3, ATTN_1): if the key lacks it, the
# file belongs to another survey and its ratings would be lost or misattributed.
QUESTION_LIKE = re.compile(r"^(I\d+(d\d+)?|ATTN)_\d+$")
FIX = (
    "export ratings as CSV (long: rater_id,question_id,rating; or wide: one column per question_id)"
)


@dataclass
class Ratings:
    """Imported ratings: ``ratings`` long table and ``raters`` table indexed by rater_id.

    ``notes`` lists the decisions the import took that a report should show (for example
    that the file carried no survey id, so its identity was not checked).
    """

    ratings: pd.DataFrame
    raters: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def _parse_rating(value: str, labels: dict[str, int]) -> float:
    value = value.strip()
    if value in MISSING:
        return np.nan
    match = re.match(r"^(\d+)(\.0+)?(\s*-.*)?$", value)
    if match:
        return float(match.group(1))
    return float(labels[value.lower()]) if value.lower() in labels else float("inf")


def _rating(path, value: str, column: str, line: int, col_no: int, labels, scale) -> float:
    parsed = _parse_rating(value, labels)
    if not (np.isnan(parsed) or 1 <= parsed <= scale):
        raise SurveyInputError(
            path,
            f"rating {value!r} in column {column!r} is not 1..{scale}",
            f"ratings must be integers 1..{scale} (or '3 - label'); fix or blank the cell",
            line=line,
            column=col_no,
        )
    return parsed


def _check_survey_id(table: CsvTable, rows, survey_id: str | None, notes: list[str]) -> None:
    if SURVEY_ID not in table.header:
        notes.append(
            "the ratings file has no survey_id column, so its survey identity was not checked"
        )
        return
    col = table.header.index(SURVEY_ID)
    for line, row in rows:
        value = row[col].strip()
        if survey_id and value and value != survey_id:
            raise SurveyInputError(
                table.path,
                f"survey_id {value!r} is not this key's survey ({survey_id!r}): the ratings "
                "come from another build",
                "pass the key.csv of the survey these ratings came from",
                line=line,
                column=col + 1,
            )


def _long(table, rows, id_col, q_col, r_col, known, dims, labels, scale) -> pd.DataFrame:
    header, path = table.header, table.path
    d_col = "dimension" if "dimension" in header else None
    idx = {c: header.index(c) for c in (id_col, q_col, r_col, d_col) if c}
    out, seen = [], {}
    for line, row in rows:
        qid = row[idx[q_col]].strip()
        dim = row[idx[d_col]].strip() if d_col else dims[0]
        if qid not in known:
            raise SurveyInputError(
                path,
                f"question id {qid!r} is not in the key",
                "pass the key.csv of the survey these ratings came from",
                line=line,
                column=idx[q_col] + 1,
            )
        if dim not in dims:
            raise SurveyInputError(
                path, f"dimension {dim!r} is not one of {list(dims)}", FIX, line, idx[d_col] + 1
            )
        rid = row[idx[id_col]].strip()
        if (rid, qid, dim) in seen:
            raise SurveyInputError(
                path,
                f"rater {rid!r} rated {qid!r} ({dim}) also on line {seen[rid, qid, dim]}",
                "keep one rating per rater, question and dimension",
                line=line,
            )
        seen[rid, qid, dim] = line
        value = _rating(path, row[idx[r_col]], r_col, line, idx[r_col] + 1, labels, scale)
        out.append((rid, qid, dim, value))
    return pd.DataFrame(out, columns=["rater_id", "question_id", "dimension", "rating"])


def _wide(table, rows, id_col, question_ids, dims, labels, scale) -> pd.DataFrame:
    header, path = table.header, table.path
    columns = {rating_column(q, d, dims): (q, d) for q in question_ids for d in dims}
    strangers = [c for c in header if QUESTION_LIKE.match(c) and c not in columns]
    if strangers:
        raise SurveyInputError(
            path,
            f"column(s) {strangers[:5]} are not questions of this key (ratings from another "
            "survey?)",
            "pass the key.csv of the survey these ratings came from",
            line=1,
        )
    present = [c for c in header if c in columns]
    if not present:
        raise SurveyInputError(
            path,
            "no rating columns: neither question_id/rating nor any key question id",
            "use the key that matches this survey, or " + FIX,
            1,
            1,
        )
    id_idx = header.index(id_col)
    out = []
    for line, row in rows:
        for col in present:
            i = header.index(col)
            value = _rating(path, row[i], col, line, i + 1, labels, scale)
            out.append((row[id_idx].strip(), *columns[col], value))
    return pd.DataFrame(out, columns=["rater_id", "question_id", "dimension", "rating"])


def read_ratings(
    path: str | Path,
    question_ids: list[str],
    labels: tuple[str, ...] = (),
    demographics: str | Path | None = None,
    dimensions: tuple[str, ...] = DEFAULT_DIMENSIONS,
    survey_id: str | None = None,
) -> Ratings:
    """Import a ratings file, long or wide; merge a Prolific demographics export if given.

    Args:
        path: CSV (long: rater_id, question_id, [dimension,] rating; wide: one column per
            question_id, Qualtrics exports with their extra header rows work as exported).
        question_ids: the key's question ids.
        labels: Likert labels, to read exports that hold label text instead of numbers.
        demographics: optional CSV with one row per rater (e.g. Prolific export).
        dimensions: the survey's rating dimensions (``build.json``); wide files with more
            than one have a column per question and dimension (``I07d2_3``).
        survey_id: the key's survey id; a ``survey_id`` column that disagrees is an error.

    Raises:
        SurveyInputError: with file, line, column and the fix for a bad cell or layout.
    """
    table = read_csv_table(path, FIX)
    rows = table.rows[qualtrics_rows(table) :]
    id_col = first_column(table.header, ID_COLUMNS)
    if id_col is None:
        raise SurveyInputError(
            table.path, f"no rater id column (one of {list(ID_COLUMNS)})", FIX, 1, 1
        )
    notes: list[str] = []
    _check_survey_id(table, rows, survey_id, notes)
    label_map = {lab.lower(): i for i, lab in enumerate(labels, start=1) if lab.strip()}
    scale = max(len(labels), 5)
    q_col, r_col = (
        first_column(table.header, LONG_QUESTION),
        first_column(table.header, LONG_RATING),
    )
    is_long = bool(q_col and r_col)
    check_ids(table, rows, id_col, wide=not is_long)
    if is_long:
        known = set(question_ids)
        long = _long(table, rows, id_col, q_col, r_col, known, dimensions, label_map, scale)
    else:
        long = _wide(table, rows, id_col, question_ids, dimensions, label_map, scale)
    raters = raters_table(table, rows, id_col)
    if demographics is not None:
        raters = merge_demographics(raters, Path(demographics))
    return Ratings(ratings=long, raters=typed_raters(raters), notes=notes)
