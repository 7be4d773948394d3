"""Demographic comparisons of ratings with effect sizes (Study A's tests), at two units.

- ``rating`` level: every single rating is one observation. This is what the study's
  numbers imply (t = 2.89 with d = 0.16 needs about 330 observations per group), but
  ratings of one rater are not independent, so its p-values are too small.
- ``rater`` level: each rater's mean rating is one observation, so raters who rated more
  do not count more and a rater's own leniency is not multiplied.

The model a statistician would ask for, with both sources of dependence, is the mixed
model in :mod:`tide_exp.humaneval.mixed`. Holm's correction runs within each family: one
factor at one level across the tested units.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from scipy import stats

GRADUATE = re.compile(
    r"master|doctor|ph\.?d|mba|graduate degree|postgrad|professional deg", re.IGNORECASE
)
LEVELS = ("rating", "rater")
# The study's split of scenarios for the region test (acute distress vs depression/grief).
SCENARIO_GROUPS = {
    "acute_distress": ("panic", "abuse_memory"),
    "depression_grief": ("depression", "grief_anger"),
}


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
    elif "sex" in raters:  # a Prolific export has sex, not gender: tested under its own name
        groups["sex"] = raters["sex"]
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


def _welch(levels, samples, factor: str, desc: str) -> dict:
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


def compare_groups(values: pd.DataFrame, factor: str) -> dict | None:
    """Test ``y`` between the groups ``g`` of ``values``: Welch t for two groups (region
    always ANOVA), one-way ANOVA with eta squared otherwise; None below two groups of 2."""
    data = values.dropna()
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
        return _welch(levels, samples, factor, desc)
    res = stats.f_oneway(*samples)
    grand = data["y"].mean()
    ss_between = sum(len(s) * (s.mean() - grand) ** 2 for s in samples)
    ss_total = float(((data["y"] - grand) ** 2).sum())
    return {
        "test": "one-way ANOVA",
        "groups": desc,
        "statistic": float(res.statistic),
        "df": f"{len(levels) - 1}, {len(data) - len(levels)}",
        "p": float(res.pvalue),
        "effect": ss_between / ss_total if ss_total > 0 else float("nan"),
        "effect_size": "eta squared",
    }


def observations(frame: pd.DataFrame, group: pd.Series, level: str) -> pd.DataFrame:
    """``y`` (a rating, or a rater's mean rating) with the rater's group ``g``."""
    if level == "rating":
        return pd.DataFrame({"y": frame["rating"].to_numpy(), "g": frame["rater_id"].map(group)})
    means = frame.groupby("rater_id")["rating"].mean()
    return pd.DataFrame({"y": means, "g": group.reindex(means.index)})


def _units(joined: pd.DataFrame, units: list[str] | None) -> dict[str, pd.DataFrame]:
    frames = {"all": joined}
    for model in dict.fromkeys([*(units or []), *joined["model"].unique(), "reference"]):
        if (joined["model"] == model).any():
            frames[model] = joined[joined["model"] == model]
    return frames


def with_holm(table: pd.DataFrame, alpha: float, by: list[str]) -> pd.DataFrame:
    """Add ``family``, ``p_holm`` (Holm within each family) and ``significant``."""
    if table.empty:
        return table
    table["family"] = table[by].astype(str).agg(" / ".join, axis=1)
    table["p_holm"] = table.groupby("family", group_keys=False)["p"].apply(holm)
    table["significant"] = table["p_holm"] < alpha
    return table


def demographic_tests(
    joined: pd.DataFrame,
    raters: pd.DataFrame,
    alpha: float = 0.05,
    units: list[str] | None = None,
    levels: tuple[str, ...] = LEVELS,
) -> pd.DataFrame:
    """Each factor's test for every model (and the reference, and all replies pooled), at
    each level. One row per (level, unit, factor); Holm within each (level, factor)."""
    groups = rater_groups(raters)
    rows = []
    for level in levels:
        for unit, frame in _units(joined, units).items():
            for factor, group in groups.items():
                result = compare_groups(observations(frame, group, level), factor)
                if result:
                    rows.append({"level": level, "unit": unit, "factor": factor, **result})
    return with_holm(pd.DataFrame(rows), alpha, ["level", "factor"])


def region_by_scenario_group(
    joined: pd.DataFrame,
    raters: pd.DataFrame,
    groups: dict[str, tuple[str, ...]] | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """One-way ANOVA of ratings by region within each scenario group, at both levels."""
    region = rater_groups(raters).get("region")
    if region is None:
        return pd.DataFrame()
    rows = []
    for level in LEVELS:
        for name, scenarios in (groups or SCENARIO_GROUPS).items():
            frame = joined[joined["scenario"].isin(scenarios)]
            result = compare_groups(observations(frame, region, level), "region")
            if result:
                rows.append({"level": level, "scenario_group": name, "factor": "region", **result})
    return with_holm(pd.DataFrame(rows), alpha, ["level"])


def per_item_tests(joined: pd.DataFrame, raters: pd.DataFrame, alpha: float = 0.05):
    """Each factor tested on each item alone (the study tested Q17 alone): the unit is a
    rater's mean over the item's model replies; Holm within each factor."""
    models = joined[joined["condition"].isin(["zs", "ft"])]
    rows = []
    for factor, group in rater_groups(raters).items():
        for item, frame in models.groupby("item_id", sort=True):
            result = compare_groups(observations(frame, group, "rater"), factor)
            if result:
                rows.append({"item_id": item, "factor": factor, **result})
    return with_holm(pd.DataFrame(rows), alpha, ["factor"])


def multiple_comparison_note(table: pd.DataFrame, alpha: float = 0.05) -> str:
    """One sentence on how many tests ran and how p was corrected."""
    return (
        f"{len(table)} tests in {table['family'].nunique()} families; p_holm is Holm-Bonferroni "
        f"adjusted within each family and `significant` means p_holm < {alpha}. The rating "
        "level treats ratings as independent (the study's unit); prefer the rater level and "
        "the mixed model. Raw p is shown for reference; read uncorrected effects as exploratory."
    )
