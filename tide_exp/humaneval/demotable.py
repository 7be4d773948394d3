"""Table 3: descriptive demographics of the kept raters (the study's Appendix D).

The study's Table 3 reports age (mean, SD, range), sex, gender, race, education and region; its
category labels are not public beyond those dimensions. Each answer (Prolific's and Qualtrics'
wordings, column aliases in :data:`tide_exp.humaneval.raters.ALIASES`) is mapped to a label of
ours, in a fixed order, with "Other/Unknown" last for anything else or a missing answer; every
label is listed, a zero count included, so tables of two surveys line up. Region is the Census
region of a region, state or state abbreviation. Hispanic origin and employment, which the
ratings may carry, follow with their answers as given.
"""

from __future__ import annotations

import re

import pandas as pd

from tide_exp.humaneval.regions import REGIONS, region_of

OTHER = "Other/Unknown"
# Dimension -> (label, pattern over the lower-cased answer), first match wins; labels are ours.
LABELS: dict[str, list[tuple[str, str]]] = {
    "sex": [("Female", r"^(f|female|woman)$"), ("Male", r"^(m|male|man)$")],
    "gender": [
        ("Woman", r"\b(woman|women|female)\b"),
        ("Man", r"\b(man|men|male)\b"),
        ("Non-binary", r"non.?binary|genderqueer|gender.?fluid"),
    ],
    "race": [
        ("White", r"^white"),
        ("Black", r"black|african"),
        ("Asian", r"asian"),
        ("Mixed", r"mixed|multi|two or more"),
    ],
    "education": [
        ("Doctorate", r"doctor|ph\.?d"),
        ("Graduate degree", r"(?<!under)graduate degree|master|mba|professional|postgrad"),
        ("Bachelor's degree", r"undergraduate|bachelor"),
        ("Some college or technical", r"technical|community|some college|associate"),
        ("High school or less", r"no formal|secondary|high school|ged|a-levels"),
    ],
}
STUDY_ROWS = ("sex", "gender", "race", "education", "region")  # the study's order
AS_GIVEN = ("hispanic_origin", "employment")


def category(dimension: str, value) -> str:
    """The Table 3 label of one answer (``Other/Unknown`` when none matches or it is missing)."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or not str(value).strip():
        return OTHER
    if dimension == "region":
        return region_of(value) or OTHER
    text = str(value).strip().lower()
    return next((label for label, pattern in LABELS[dimension] if re.search(pattern, text)), OTHER)


def labels_of(dimension: str) -> list[str]:
    """A dimension's labels in table order, Other/Unknown last."""
    names = list(REGIONS) if dimension == "region" else [label for label, _ in LABELS[dimension]]
    if dimension == "education":  # lowest first, as such tables read
        names = names[::-1]
    return [*names, OTHER]


def table3(raters: pd.DataFrame) -> pd.DataFrame:
    """One row per statistic: age mean, SD and range; count and share per category.

    Columns: characteristic, value, n, share (percent of the kept raters), stat, answers (the
    answers a label stands for, so a mapping can be checked).
    """
    n = len(raters)
    rows = [{"characteristic": "raters", "value": "kept", "n": n, "share": 100.0 if n else None}]
    if "age" in raters:
        age = pd.to_numeric(raters["age"], errors="coerce").dropna()
        if len(age):
            rows += [
                {"characteristic": "age", "value": "mean (SD)", "n": len(age), "share": None,
                 "stat": f"{age.mean():.1f} ({age.std():.1f})"},
                {"characteristic": "age", "value": "range", "n": len(age), "share": None,
                 "stat": f"{age.min():g}-{age.max():g}"},
            ]  # fmt: skip
    for column in STUDY_ROWS:
        if column not in raters:
            continue
        answers = raters[column]
        mapped = answers.map(lambda v, c=column: category(c, v))
        for label in labels_of(column):
            count = int((mapped == label).sum())
            given = sorted({str(a).strip() for a in answers[mapped == label] if pd.notna(a)})
            rows.append(
                {"characteristic": column, "value": label, "n": count,
                 "share": 100 * count / n if n else None, "stat": "", "answers": "; ".join(given)}
            )  # fmt: skip
    for column in (c for c in AS_GIVEN if c in raters):
        values = raters[column].astype("string").fillna("not reported").str.strip()
        for value, count in values.value_counts().items():
            rows.append(
                {"characteristic": column, "value": value, "n": int(count),
                 "share": 100 * count / n, "stat": "", "answers": value}
            )  # fmt: skip
    table = pd.DataFrame(rows)
    for column in ("stat", "answers"):
        table[column] = table[column].fillna("") if column in table else ""
    return table[["characteristic", "value", "n", "share", "stat", "answers"]]
