"""Paired designs (Study B): base vs fine-tuned per rating dimension, Wilcoxon signed-rank.

The unit is the prompt: a model's zero-shot and fine-tuned replies to one prompt form a
pair, each side the mean over its raters. The test is scipy's Wilcoxon signed-rank
(zero differences dropped, Wilcoxon's convention) with the matched-pairs rank-biserial
correlation as effect size (+1: fine-tuned rated higher on every prompt).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from tide_exp.humaneval.demographics import holm


def rank_biserial(diff: np.ndarray) -> float:
    """Matched-pairs rank-biserial correlation of paired differences (zeros dropped)."""
    diff = diff[diff != 0]
    if len(diff) == 0:
        return float("nan")
    ranks = stats.rankdata(np.abs(diff))
    return float((ranks[diff > 0].sum() - ranks[diff < 0].sum()) / ranks.sum())


def paired_tests(joined: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Per model and dimension: base (zs) vs fine-tuned (ft) means, Wilcoxon, effect size.

    Holm runs over the table (one family: every model x dimension comparison).
    """
    frame = joined[joined["condition"].isin(["zs", "ft"])]
    by = ["model", "dimension"] if "dimension" in frame else ["model"]
    rows = []
    for keys, group in frame.groupby(by, sort=False):
        means = group.pivot_table(index="example_id", columns="condition", values="rating")
        if not {"zs", "ft"} <= set(means.columns):
            continue
        means = means.dropna()
        diff = (means["ft"] - means["zs"]).to_numpy()
        if len(diff) < 2 or not np.any(diff):
            res_stat, res_p = float("nan"), float("nan")
        else:
            res = stats.wilcoxon(means["ft"], means["zs"], zero_method="wilcox")
            res_stat, res_p = float(res.statistic), float(res.pvalue)
        keys = keys if isinstance(keys, tuple) else (keys,)
        rows.append(
            {
                **dict(zip(by, keys, strict=True)),
                "n_prompts": len(diff),
                "zs_mean": float(means["zs"].mean()),
                "zs_sd": float(means["zs"].std()),
                "ft_mean": float(means["ft"].mean()),
                "ft_sd": float(means["ft"].std()),
                "W": res_stat,
                "p": res_p,
                "rank_biserial": rank_biserial(diff),
            }
        )
    table = pd.DataFrame(rows)
    if not table.empty:
        table["p_holm"] = holm(table["p"])
        table["significant"] = table["p_holm"] < alpha
    return table
