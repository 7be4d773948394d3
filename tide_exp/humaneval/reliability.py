"""Inter-rater reliability, which the study does not report: Krippendorff's alpha and ICC.

Alpha (ordinal, the Likert scale's level) comes from the ``krippendorff`` package, overall
and per scenario, with a seeded bootstrap CI over the rated replies; the intraclass
correlations (all six Shrout-Fleiss forms, with their 95% CIs) come from ``pingouin``.
"""

from __future__ import annotations

import krippendorff
import numpy as np
import pandas as pd

from tide_exp.humaneval.survey import scenario_order

SCALE = [1, 2, 3, 4, 5]


def reliability_matrix(joined: pd.DataFrame) -> np.ndarray:
    """Raters x rated replies, NaN where a rater did not rate a reply."""
    wide = joined.pivot_table(index="rater_id", columns="question_id", values="rating")
    return wide.to_numpy(float)


def alpha(matrix: np.ndarray) -> float:
    """Krippendorff's alpha (ordinal) of a raters x units matrix; NaN when undefined."""
    pairable = (np.sum(~np.isnan(matrix), axis=0) >= 2).sum()
    values = np.unique(matrix[~np.isnan(matrix)])
    if pairable < 2 or len(values) < 2:
        return float("nan")
    return float(krippendorff.alpha(matrix, value_domain=SCALE, level_of_measurement="ordinal"))


def alpha_ci(matrix: np.ndarray, level: float = 0.95, n_boot: int = 500, seed: int = 0):
    """Percentile bootstrap CI for alpha, resampling units (replies) with replacement."""
    rng = np.random.default_rng(seed)
    n = matrix.shape[1]
    draws = [alpha(matrix[:, rng.integers(0, n, n)]) for _ in range(n_boot)]
    lo, hi = np.nanpercentile(draws, [50 * (1 - level), 50 * (1 + level)])
    return float(lo), float(hi)


def krippendorff_table(joined: pd.DataFrame, level: float = 0.95, n_boot: int = 500):
    """Alpha with its CI overall and per scenario (one row each)."""
    scopes = {"all": joined}
    for scenario in scenario_order(joined["scenario"].unique()):
        scopes[scenario] = joined[joined["scenario"] == scenario]
    rows = []
    for scope, frame in scopes.items():
        matrix = reliability_matrix(frame)
        lo, hi = alpha_ci(matrix, level, n_boot)
        rows.append(
            {
                "scope": scope,
                "alpha_ordinal": alpha(matrix),
                "ci_low": lo,
                "ci_high": hi,
                "n_raters": matrix.shape[0],
                "n_replies": matrix.shape[1],
            }
        )
    return pd.DataFrame(rows)


def icc_table(joined: pd.DataFrame) -> pd.DataFrame:
    """Pingouin's six ICC forms over the replies every kept rater rated (95% CIs).

    ICC needs a complete raters x replies table; replies some rater skipped are left out
    (``n_replies`` says how many remained).
    """
    import pingouin

    wide = joined.pivot_table(index="question_id", columns="rater_id", values="rating")
    wide = wide.dropna(axis=0)
    if wide.shape[0] < 3 or wide.shape[1] < 2:
        return pd.DataFrame()
    long = wide.reset_index().melt(id_vars="question_id", var_name="rater_id", value_name="rating")
    icc = pingouin.intraclass_corr(long, targets="question_id", raters="rater_id", ratings="rating")
    ci = icc["CI95%"].map(list)
    return pd.DataFrame(
        {
            "type": icc["Type"],
            "description": icc["Description"],
            "icc": icc["ICC"].astype(float),
            "ci_low": [c[0] for c in ci],
            "ci_high": [c[1] for c in ci],
            "F": icc["F"].astype(float),
            "p": icc["pval"].astype(float),
            "n_replies": wide.shape[0],
            "n_raters": wide.shape[1],
        }
    )
