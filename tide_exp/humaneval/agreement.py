"""Do automatic metrics agree with people? Spearman rho per metric, with confidence intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def fieller_ci(rho: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """CI for Spearman's rho via Fisher's z with Fieller et al.'s (1957) variance 1.06/(n-3)."""
    if n <= 3 or not np.isfinite(rho):
        return float("nan"), float("nan")
    z = np.arctanh(np.clip(rho, -0.999999, 0.999999))
    half = stats.norm.ppf(0.5 + level / 2) * np.sqrt(1.06 / (n - 3))
    return float(np.tanh(z - half)), float(np.tanh(z + half))


def bootstrap_ci(
    x: np.ndarray, y: np.ndarray, level: float = 0.95, n_boot: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """Percentile bootstrap CI for Spearman's rho (resampling replies)."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(x), size=(n_boot, len(x)))
    rhos = [stats.spearmanr(x[i], y[i]).statistic for i in idx]
    lo, hi = np.nanpercentile(rhos, [50 * (1 - level), 50 * (1 + level)])
    return float(lo), float(hi)


def metric_agreement(
    joined: pd.DataFrame,
    key: pd.DataFrame,
    level: float = 0.95,
    method: str = "fieller",
    seed: int = 0,
) -> pd.DataFrame:
    """Spearman rho between each metric (key ``score_*`` columns) and the mean human rating.

    The unit is a shown model reply (reference replies have no metric score). ``method``
    is "fieller" (analytic) or "bootstrap".
    """
    human = joined.groupby("question_id")["rating"].mean().rename("human")
    metrics = [c for c in key.columns if c.startswith("score_")]
    replies = key[key["condition"].isin(["zs", "ft"])].set_index("question_id")
    rows = []
    for col in metrics:
        data = pd.concat(
            [pd.to_numeric(replies[col], errors="coerce"), human], axis=1, join="inner"
        ).dropna()
        n = len(data)
        if n < 3 or data[col].nunique() < 2 or data["human"].nunique() < 2:
            rho, p, (lo, hi) = float("nan"), float("nan"), (float("nan"), float("nan"))
        else:
            res = stats.spearmanr(data[col], data["human"])
            rho, p = float(res.statistic), float(res.pvalue)
            lo, hi = (
                bootstrap_ci(data[col].to_numpy(), data["human"].to_numpy(), level, seed=seed)
                if method == "bootstrap"
                else fieller_ci(rho, n, level)
            )
        rows.append(
            {
                "metric": col.removeprefix("score_"),
                "n_replies": n,
                "spearman_rho": rho,
                "ci_low": lo,
                "ci_high": hi,
                "p": p,
                "ci_method": method,
                "ci_level": level,
            }
        )
    return pd.DataFrame(rows)
