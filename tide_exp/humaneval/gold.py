"""Gold scores for the straight-lining rule: one per shown reply, checked against the key."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tide_exp.humaneval.csvtable import read_csv_table
from tide_exp.humaneval.errors import SurveyInputError

GOLD_FIX = "write gold scores 1..5 per question_id of this survey's key (see `judge`)"


def read_gold(path: str | Path, key: pd.DataFrame) -> pd.Series:
    """Gold scores per question_id, from a CSV with question_id (or example_id, model,
    condition) and a gold/score/mean column (``judge`` writes such a file).

    Raises:
        SurveyInputError: naming the line of a score that is not a number in 1..5, or of a
            row that names no reply of this key.
    """
    table = read_csv_table(path, GOLD_FIX)
    value = next((c for c in ("gold", "mean", "score", "judge") if c in table.header), None)
    if value is None:
        raise SurveyInputError(path, "no gold/mean/score column", "name the score column gold", 1)
    triple = ("example_id", "model", "condition")
    if "question_id" not in table.header and not set(triple) <= set(table.header):
        raise SurveyInputError(
            path,
            "rows need question_id, or example_id + model + condition",
            "add a question_id column from key.csv",
            1,
        )
    # One reply (the reference, shared prompts) may be shown in several items.
    lookup: dict[tuple, list[str]] = {}
    for qid, *row in key[["question_id", *triple]].fillna("").itertuples(index=False):
        lookup.setdefault(tuple(str(v) for v in row), []).append(qid)
    known, col = set(key["question_id"]), table.header.index(value) + 1
    scores: dict[str, list[float]] = {}
    for line, rec in table.records():
        if "question_id" in rec:
            qids = [rec["question_id"].strip()]
            shown = qids[0]
        else:
            named = tuple(rec[c].strip() for c in triple)
            qids, shown = lookup.get(named, [""]), "/".join(named)
        if not shown.strip("/"):
            # A blank id names no reply: the same one-line error, not a lookup failure.
            blank = "question_id" if "question_id" in rec else "example_id, model and condition"
            raise SurveyInputError(path, f"blank {blank}", GOLD_FIX, line)
        if qids[0] not in known:
            raise SurveyInputError(path, f"{shown!r} is no reply of this key", GOLD_FIX, line)
        number = pd.to_numeric(rec[value].strip(), errors="coerce")
        if not (pd.notna(number) and 1 <= number <= 5):
            raise SurveyInputError(
                path, f"gold score {rec[value]!r} is not a number in 1..5", GOLD_FIX, line, col
            )
        for qid in qids:
            scores.setdefault(qid, []).append(float(number))
    return pd.Series({q: sum(v) / len(v) for q, v in scores.items()}, dtype=float)
