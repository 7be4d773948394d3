"""Mean ratings per model x condition x scenario, and Table 4 (ZS vs FT wins, reference points)."""

from __future__ import annotations

import pandas as pd

from tide_exp.humaneval.survey import scenario_order

KEY_COLUMNS = [
    "question_id",
    "item_id",
    "pair_set",
    "model",
    "display_name",
    "condition",
    "scenario",
    "example_id",
]


def join_ratings(ratings: pd.DataFrame, key: pd.DataFrame, raters: pd.DataFrame) -> pd.DataFrame:
    """Long table: one row per rating with its reply's source and the rater's demographics."""
    rated = key[key["condition"] != "attention"]
    cols = [c for c in KEY_COLUMNS if c in rated]
    frame = ratings.dropna(subset=["rating"]).merge(rated[cols], on="question_id", how="inner")
    demo = raters.drop(columns=["excluded_at", "sigma", "mae"], errors="ignore")
    return frame.merge(demo, left_on="rater_id", right_index=True, how="left")


def model_order(key: pd.DataFrame) -> list[str]:
    """Models in pair-set order (A before B), each once."""
    models = key[key["condition"].isin(["zs", "ft"])].sort_values(["pair_set", "side"])
    return list(dict.fromkeys(models["model"]))


def mean_ratings(joined: pd.DataFrame) -> pd.DataFrame:
    """Mean, SD and counts per model x condition x scenario (reference included)."""
    grouped = joined.groupby(["model", "condition", "scenario"], sort=False)
    table = grouped["rating"].agg(mean="mean", sd="std", n="size").reset_index()
    table["n_raters"] = grouped["rater_id"].nunique().to_numpy()
    return table


def table4(joined: pd.DataFrame, key: pd.DataFrame) -> pd.DataFrame:
    """Table 4 in long form: per model x scenario, ZS vs FT winner and reference points.

    The winner is the condition with the higher mean rating (a tie when equal). The
    reference reply shown beside the model's replies scores 2 points if its mean is above
    both the ZS and FT means, 1 if above one of them.
    """
    rows = []
    names = key.drop_duplicates("model").set_index("model")["display_name"]
    for model in model_order(key):
        items = key.loc[key["model"] == model, "item_id"].unique()
        mine = joined[joined["item_id"].isin(items)]
        for scenario in scenario_order(mine["scenario"].unique()):
            here = mine[mine["scenario"] == scenario]
            zs = here.loc[(here["model"] == model) & (here["condition"] == "zs"), "rating"].mean()
            ft = here.loc[(here["model"] == model) & (here["condition"] == "ft"), "rating"].mean()
            ref = here.loc[here["condition"] == "reference", "rating"].mean()
            winner = "FT" if ft > zs else "ZS" if zs > ft else "tie"
            rows.append(
                {
                    "model": model,
                    "display_name": names.get(model, model),
                    "scenario": scenario,
                    "zs_mean": zs,
                    "ft_mean": ft,
                    "winner": winner,
                    "ref_mean": ref,
                    "ref_points": int(ref > zs) + int(ref > ft),
                }
            )
    return pd.DataFrame(rows)


def table4_wide(long: pd.DataFrame) -> pd.DataFrame:
    """Scenario rows x model columns; cell ``FT (2.90/3.45) R1``: winner, ZS/FT means,
    reference points. A last row totals FT wins and reference points per model."""
    long = long.copy()
    long["cell"] = [
        f"{w} ({z:.2f}/{f:.2f}) R{p}"
        for w, z, f, p in zip(
            long["winner"], long["zs_mean"], long["ft_mean"], long["ref_points"], strict=True
        )
    ]
    models = list(dict.fromkeys(long["display_name"]))
    wide = long.pivot(index="scenario", columns="display_name", values="cell")
    wide = wide.reindex(index=scenario_order(long["scenario"].unique()), columns=models)
    totals = {
        m: f"FT {int((g['winner'] == 'FT').sum())}/{len(g)}, R {int(g['ref_points'].sum())}"
        for m, g in long.groupby("display_name", sort=False)
    }
    wide.loc["total"] = [totals[m] for m in models]
    return wide.reset_index().rename(columns={"index": "scenario"})
