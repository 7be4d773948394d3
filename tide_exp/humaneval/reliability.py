"""Inter-rater reliability, which the study does not report: Krippendorff's alpha and ICC.

Alpha (ordinal, the Likert scale's level) comes from the ``krippendorff`` package, overall
and per scenario, with a seeded bootstrap CI over the rated replies. The intraclass
correlations (all six Shrout-Fleiss forms, with their CIs) are ``pingouin``'s, computed
from numpy mean squares for speed and tested equal to ``pingouin.intraclass_corr``.
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
    if np.isnan(alpha(matrix)):
        return float("nan"), float("nan")
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
        value = alpha(matrix)
        rows.append(
            {
                "scope": scope,
                "alpha_ordinal": value,
                "ci_low": lo,
                "ci_high": hi,
                "n_raters": matrix.shape[0],
                "n_replies": matrix.shape[1],
                "note": alpha_undefined(matrix) if np.isnan(value) else "",
            }
        )
    return pd.DataFrame(rows)


def alpha_undefined(matrix: np.ndarray) -> str:
    """Why alpha cannot be computed on ``matrix`` (a raters x replies table)."""
    rated = ~np.isnan(matrix)
    if (rated.sum(axis=0) >= 2).sum() < 2:
        return "not computed: fewer than two replies were rated by two or more raters"
    return "not computed: every rating is the same value, so agreement is undefined"


def _mean_squares(y: np.ndarray) -> tuple[float, float, float, float]:
    """Two-way ANOVA mean squares of a complete replies x raters table (one rating a cell):
    between replies, between raters, residual, and within replies."""
    n, k = y.shape
    grand = y.mean()
    ss_rows = k * ((y.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((y.mean(axis=0) - grand) ** 2).sum()
    ss_err = ((y - grand) ** 2).sum() - ss_rows - ss_cols
    msb, msj = ss_rows / (n - 1), ss_cols / (k - 1)
    mse = ss_err / ((n - 1) * (k - 1))
    msw = (ss_cols + ss_err) / (n * (k - 1))
    return msb, msj, mse, msw


def icc(y: np.ndarray, level: float = 0.95) -> pd.DataFrame:
    """The six Shrout-Fleiss ICCs with F tests and CIs, as ``pingouin.intraclass_corr``
    computes them (tests check equality), from a complete replies x raters array.

    pingouin itself builds its ANOVA with pandas group-bys and needs about a minute for
    the study's 116 raters x 120 replies; the same mean squares in numpy take milliseconds.
    """
    from scipy.stats import f

    n, k = y.shape
    msb, msj, mse, msw = _mean_squares(y)
    icc1 = (msb - msw) / (msb + (k - 1) * msw)
    icc2 = (msb - mse) / (msb + (k - 1) * mse + k * (msj - mse) / n)
    icc3 = (msb - mse) / (msb + (k - 1) * mse)
    df1, df1kd, df2kd = n - 1, n * (k - 1), (n - 1) * (k - 1)
    f1k, f3k = msb / msw, msb / mse
    q = 1 - (1 - level) / 2
    f1l, f1u = f1k / f.ppf(q, df1, df1kd), f1k * f.ppf(q, df1kd, df1)
    f3l, f3u = f3k / f.ppf(q, df1, df2kd), f3k * f.ppf(q, df2kd, df1)
    fj = msj / mse
    vn = df2kd * (k * icc2 * fj + n * (1 + (k - 1) * icc2) - k * icc2) ** 2
    vd = df1 * k**2 * icc2**2 * fj**2 + (n * (1 + (k - 1) * icc2) - k * icc2) ** 2
    f2u, f2l = f.ppf(q, n - 1, vn / vd), f.ppf(q, vn / vd, n - 1)
    l2 = n * (msb - f2u * mse) / (f2u * (k * msj + (k * n - k - n) * mse) + n * msb)
    u2 = n * (f2l * msb - mse) / (k * msj + (k * n - k - n) * mse + n * f2l * msb)
    p1, p3 = f.sf(f1k, df1, df1kd), f.sf(f3k, df1, df2kd)
    return pd.DataFrame(
        {
            "type": ["ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"],
            "description": [
                "Single raters absolute",
                "Single random raters",
                "Single fixed raters",
                "Average raters absolute",
                "Average random raters",
                "Average fixed raters",
            ],
            "icc": [
                icc1,
                icc2,
                icc3,
                (msb - msw) / msb,
                (msb - mse) / (msb + (msj - mse) / n),
                (msb - mse) / msb,
            ],
            "ci_low": [
                (f1l - 1) / (f1l + k - 1),
                l2,
                (f3l - 1) / (f3l + k - 1),
                1 - 1 / f1l,
                l2 * k / (1 + l2 * (k - 1)),
                1 - 1 / f3l,
            ],
            "ci_high": [
                (f1u - 1) / (f1u + k - 1),
                u2,
                (f3u - 1) / (f3u + k - 1),
                1 - 1 / f1u,
                u2 * k / (1 + u2 * (k - 1)),
                1 - 1 / f3u,
            ],
            "F": [f1k, f3k, f3k, f1k, f3k, f3k],
            "p": [p1, p3, p3, p1, p3, p3],
        }
    )


def icc_table(joined: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """The six ICC forms over the replies every kept rater rated, with CIs.

    ICC needs a complete raters x replies table; replies some rater skipped are left out
    (``n_replies`` says how many remained).
    """
    wide = joined.pivot_table(index="question_id", columns="rater_id", values="rating")
    wide = wide.dropna(axis=0)
    counts = {"n_replies": wide.shape[0], "n_raters": wide.shape[1]}
    reason = icc_undefined(wide.to_numpy(float))
    if reason:  # one row that says why, instead of blank or infinite figures
        return pd.DataFrame([{"type": "ICC", "note": reason, **counts}])
    return icc(wide.to_numpy(float), level).assign(**counts, note="")


def icc_undefined(y: np.ndarray) -> str:
    """Why the ICCs cannot be computed on a complete replies x raters array ('' when they can)."""
    if y.shape[0] < 3 or y.shape[1] < 2:
        return (
            f"not computed: needs 3 or more replies rated by every kept rater and 2 or more "
            f"raters ({y.shape[0]} replies, {y.shape[1]} raters)"
        )
    msb, _, mse, msw = _mean_squares(y)
    scale = max(float(np.var(y)), 1e-12)
    if np.ptp(y) == 0:
        return "not computed: every rating is the same value"
    if msb <= 1e-9 * scale:
        return "not computed: the replies' mean ratings do not differ (no between-reply variance)"
    if mse <= 1e-9 * scale or msw <= 1e-9 * scale:
        return "not computed: the raters agree exactly (no residual variance), so F is unbounded"
    return ""
