"""Table 3: descriptive demographics of the kept raters (the study's Appendix D).

The study's rows, each where the ratings or demographics file has it (column names and their
aliases: :data:`tide_exp.humaneval.raters.ALIASES`): age, sex, gender, race, Hispanic origin,
education, employment, region.
"""

from __future__ import annotations

import pandas as pd

CATEGORIES = ("sex", "gender", "race", "hispanic_origin", "education", "employment", "region")


def table3(raters: pd.DataFrame) -> pd.DataFrame:
    """One row per statistic: age mean, SD and range; count and share per category.

    Columns: characteristic, value, n, share (share of the kept raters, in percent).
    Missing answers are counted as "not reported".
    """
    n = len(raters)
    rows = [{"characteristic": "raters", "value": "kept", "n": n, "share": 100.0 if n else None}]
    if "age" in raters:
        age = pd.to_numeric(raters["age"], errors="coerce").dropna()
        if len(age):
            rows += [
                {
                    "characteristic": "age",
                    "value": "mean (SD)",
                    "n": len(age),
                    "share": None,
                    "stat": f"{age.mean():.1f} ({age.std():.1f})",
                },
                {
                    "characteristic": "age",
                    "value": "range",
                    "n": len(age),
                    "share": None,
                    "stat": f"{age.min():g}-{age.max():g}",
                },
            ]
    for column in CATEGORIES:
        if column not in raters:
            continue
        values = raters[column].astype("string").fillna("not reported").str.strip()
        for value, count in values.value_counts().items():
            rows.append(
                {
                    "characteristic": column,
                    "value": value,
                    "n": int(count),
                    "share": 100 * count / n,
                    "stat": "",
                }
            )
    table = pd.DataFrame(rows)
    if "stat" not in table:
        table["stat"] = ""
    return table[["characteristic", "value", "n", "share", "stat"]].fillna({"stat": ""})
