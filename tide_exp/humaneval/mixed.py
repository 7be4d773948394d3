"""Linear mixed-effects models of single ratings: the demographic test done right.

``rating ~ factor + condition`` with crossed random intercepts for the rater and the
reply (the rated item), fitted by REML with statsmodels' MixedLM. The rater intercept
absorbs each rater's leniency, which a rating-level t-test counts as evidence hundreds of
times over; the reply intercept absorbs that some replies are simply better. The
factor's fixed effect is reported with its Wald confidence interval.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from tide_exp.humaneval.demographics import rater_groups

RANDOM = {"rater": "0 + C(rater_id)", "item": "0 + C(question_id)"}


def fit_mixed(frame: pd.DataFrame, level: float = 0.95):
    """Fit ``rating ~ C(g) + C(condition)`` with crossed rater and reply intercepts.

    Args:
        frame: columns rating, g (the rater's group), condition, rater_id, question_id.
        level: confidence level of the reported intervals.

    Returns:
        The statsmodels results object (``params``, ``conf_int``, ``pvalues``).
    """
    import statsmodels.formula.api as smf

    data = frame.assign(_all=1).reset_index(drop=True)
    formula = "rating ~ C(g)" + (" + C(condition)" if data["condition"].nunique() > 1 else "")
    model = smf.mixedlm(formula, data, groups="_all", vc_formula=RANDOM, re_formula="0")
    with warnings.catch_warnings():
        # Boundary fits (a variance component at 0) are reported as such, not warned about.
        warnings.simplefilter("ignore")
        return model.fit(reml=True, method=["lbfgs", "powell"])


def mixed_effects(
    joined: pd.DataFrame,
    raters: pd.DataFrame,
    units: dict[str, pd.DataFrame] | None = None,
    level: float = 0.95,
    factors: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """The factor's fixed effect per unit (all model replies, or one model) and factor.

    One row per non-reference level of the factor: the estimate (rating points, that
    level minus the reference level, adjusted for condition), its CI and p, and the
    estimated rater and reply variances. ``factors`` limits the fits (default: every
    demographic factor found).
    """
    units = units or {"all models": joined[joined["condition"].isin(["zs", "ft"])]}
    rows = []
    for factor, group in rater_groups(raters).items():
        if factors is not None and factor not in factors:
            continue
        for unit, frame in units.items():
            data = frame.assign(g=frame["rater_id"].map(group)).dropna(subset=["g", "rating"])
            reason = not_fitted(data, factor)
            if reason:  # one row that says why, instead of a silent gap or a meaningless fit
                rows.append(
                    {
                        "unit": unit,
                        "factor": factor,
                        "n_ratings": len(data),
                        "n_raters": int(data["rater_id"].nunique()),
                        "note": reason,
                    }
                )
                continue
            rows += _rows(fit_mixed(data, level), data, unit, factor, level)
    return pd.DataFrame(rows)


def not_fitted(data: pd.DataFrame, factor: str) -> str:
    """Why the mixed model of ``factor`` is not fitted on ``data`` ('' when it is)."""
    if data["g"].nunique() < 2:
        return f"not computed: every rater has the same {factor}"
    if data["rater_id"].nunique() < 4:
        return f"not computed: {data['rater_id'].nunique()} raters, the model needs 4 or more"
    if data["rating"].nunique() < 2:
        return "not computed: every rating is the same value"
    return ""


def _rows(result, data: pd.DataFrame, unit: str, factor: str, level: float) -> list[dict]:
    ci = result.conf_int(alpha=1 - level)
    reference = sorted(data["g"].unique())[0]
    variances = dict(zip(result.model.exog_vc.names, np.atleast_1d(result.vcomp), strict=True))
    out = []
    for name in result.params.index:
        if not name.startswith("C(g)"):
            continue
        out.append(
            {
                "unit": unit,
                "factor": factor,
                "contrast": f"{name.split('[T.')[1].rstrip(']')} - {reference}",
                "estimate": float(result.params[name]),
                "ci_low": float(ci.loc[name, 0]),
                "ci_high": float(ci.loc[name, 1]),
                "p": float(result.pvalues[name]),
                "rater_var": float(variances.get("rater", np.nan)),
                "item_var": float(variances.get("item", np.nan)),
                "n_ratings": len(data),
                "n_raters": int(data["rater_id"].nunique()),
                "converged": bool(result.converged),
                "note": "" if result.converged else "did not converge: the estimate is unreliable",
            }
        )
    return out


def ordinal_effects(
    joined: pd.DataFrame, raters: pd.DataFrame, factors: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """Proportional-odds (ordinal logit) model of the rating: ``factor + condition``.

    statsmodels' OrderedModel has no random effects, so the rater enters through
    cluster-robust standard errors (clustered by rater): a lenient rater's many ratings then
    count as one cluster, not as independent evidence. Estimates are log-odds of a higher
    rating for each factor level against the reference level.
    """
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    frame = joined[joined["condition"].isin(["zs", "ft"])]
    rows = []
    for factor, group in rater_groups(raters).items():
        if factors is not None and factor not in factors:
            continue
        data = frame.assign(g=frame["rater_id"].map(group)).dropna(subset=["g", "rating"])
        levels = sorted(data["g"].unique())
        if len(levels) < 2 or data["rater_id"].nunique() < 4 or data["rating"].nunique() < 3:
            continue
        exog = pd.get_dummies(data["g"], dtype=float)[levels[1:]]
        exog["ft"] = (data["condition"] == "ft").astype(float)
        model = OrderedModel(data["rating"].astype(int), exog, distr="logit")
        clusters = pd.factorize(data["rater_id"])[0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = model.fit(
                method="bfgs", disp=False, cov_type="cluster", cov_kwds={"groups": clusters}
            )
        ci = result.conf_int()
        for level in levels[1:]:
            rows.append(
                {
                    "factor": factor,
                    "contrast": f"{level} - {levels[0]}",
                    "log_odds": float(result.params[level]),
                    "ci_low": float(ci.loc[level, 0]),
                    "ci_high": float(ci.loc[level, 1]),
                    "odds_ratio": float(np.exp(result.params[level])),
                    "p": float(result.pvalues[level]),
                    "n_ratings": len(data),
                    "n_raters": int(data["rater_id"].nunique()),
                }
            )
    return pd.DataFrame(rows)
