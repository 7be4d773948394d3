"""Demographic comparisons of ratings with effect sizes (Study A's five tests).

The unit is the rater: each rater's mean rating of a model (both conditions) is one
observation, so raters who rated more items do not count more.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from scipy import stats

GRADUATE = re.compile(
    r"master|doctor|ph\.?d|mba|graduate degree|postgrad|professional deg", re.IGNORECASE
)


def holm(pvalues: pd.Series) -> pd.Series:
    """Holm-Bonferroni adjusted p-values (NaN stays NaN)."""
    p = pvalues.dropna().sort_values()
    m = len(p)
    adjusted = np.minimum(1, np.maximum.accumulate((m - np.arange(m)) * p.to_numpy()))
    return pd.Series(adjusted, index=p.index).reindex(pvalues.index)


def cohens_d(a: np.ndarray, b: np.ndarray) -> float:
    """Cohen's d with the pooled SD (a minus b)."""
    na, nb = len(a), len(b)
    pooled = np.sqrt(((na - 1) * np.var(a, ddof=1) + (nb - 1) * np.var(b, ddof=1)) / (na + nb - 2))
    return float((np.mean(a) - np.mean(b)) / pooled) if pooled > 0 else float("nan")


def is_graduate(value) -> bool | None:
    """Graduate degree (master's, doctorate, professional) vs not; None when unknown."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, bool):
        return value
    text = str(value)
    return bool(GRADUATE.search(text)) and "undergraduate" not in text.lower()


def rater_groups(raters: pd.DataFrame) -> dict[str, pd.Series]:
    """The grouping of raters for each available factor (index rater_id)."""
    groups = {}
    if "age" in raters:
        age = pd.to_numeric(raters["age"], errors="coerce")
        groups["age"] = age.map(lambda a: None if pd.isna(a) else (">=60" if a >= 60 else "<60"))
    if "education" in raters:
        groups["education"] = raters["education"].map(
            lambda v: {True: "graduate", False: "not graduate"}.get(is_graduate(v))
        )
    if "gender" in raters:
        groups["gender"] = raters["gender"]
    if "region" in raters:
        groups["region"] = raters["region"]
    if "race" in raters:
        groups["race"] = raters["race"].map(
            lambda v: (
                None
                if pd.isna(v)
                else ("White" if str(v).strip().lower().startswith("white") else "non-White")
            )
        )
    return {k: v.dropna() for k, v in groups.items()}


def _compare(means: pd.Series, group: pd.Series, factor: str) -> dict | None:
    data = pd.DataFrame({"y": means, "g": group}).dropna()
    sizes = data["g"].value_counts()
    data = data[data["g"].isin(sizes[sizes >= 2].index)]
    levels = sorted(data["g"].unique())
    if len(levels) < 2:
        return None
    samples = [data.loc[data["g"] == lv, "y"].to_numpy(float) for lv in levels]
    desc = "; ".join(
        f"{lv}: {s.mean():.2f} (n={len(s)})" for lv, s in zip(levels, samples, strict=True)
    )
    if len(levels) == 2 and factor != "region":
        if factor == "age":  # report older minus younger, as in the study
            levels, samples = levels[::-1], samples[::-1]
            desc = "; ".join(desc.split("; ")[::-1])
        res = stats.ttest_ind(samples[0], samples[1], equal_var=False)
        return {
            "test": "Welch t",
            "groups": desc,
            "statistic": float(res.statistic),
            "df": float(res.df),
            "p": float(res.pvalue),
            "effect": cohens_d(*samples),
            "effect_size": f"Cohen's d ({levels[0]} - {levels[1]})",
        }
    res = stats.f_oneway(*samples)
    grand = data["y"].mean()
    ss_between = sum(len(s) * (s.mean() - grand) ** 2 for s in samples)
    ss_total = float(((data["y"] - grand) ** 2).sum())
    return {
        "test": "one-way ANOVA",
        "groups": desc,
        "statistic": float(res.statistic),
        "df": float(len(levels) - 1),
        "p": float(res.pvalue),
        "effect": ss_between / ss_total if ss_total > 0 else float("nan"),
        "effect_size": "eta squared",
    }


def demographic_tests(
    joined: pd.DataFrame,
    raters: pd.DataFrame,
    alpha: float = 0.05,
    units: list[str] | None = None,
) -> pd.DataFrame:
    """Run each factor's test for every model (and the reference, and all replies pooled).

    ``units`` orders the models (default: as they appear). Returns one row per
    (unit, factor) with the test, group means, statistic, p, effect
    size, and the Holm-adjusted p over the whole table (``significant`` uses it).
    """
    groups = rater_groups(raters)
    order = [*(units or []), *joined["model"].unique(), "reference"]
    frames = {"all": joined}
    for model in dict.fromkeys(order):
        if (joined["model"] == model).any():
            frames[model] = joined[joined["model"] == model]
    rows = []
    for unit, frame in frames.items():
        means = frame.groupby("rater_id")["rating"].mean()
        for factor, group in groups.items():
            result = _compare(means, group, factor)
            if result:
                rows.append({"unit": unit, "factor": factor, **result})
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["p_holm"] = holm(table["p"])
    table["significant"] = table["p_holm"] < alpha
    return table


def multiple_comparison_note(table: pd.DataFrame, alpha: float = 0.05) -> str:
    """One sentence on how many tests ran and how p was corrected."""
    return (
        f"{len(table)} tests (5 factors x models); p_holm is Holm-Bonferroni adjusted over "
        f"all of them and `significant` means p_holm < {alpha}. Raw p is shown for reference; "
        "read uncorrected effects as exploratory."
    )
