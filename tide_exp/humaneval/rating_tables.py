"""Mean ratings per model x condition x scenario, and Table 4 (ZS vs FT wins, reference row).

Models are named in tables by their display name, or by their run label where two runs
share a display name (``--pair runs/a,runs/b``: one model's variants), so no two columns
ever collide.
"""

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


def join_ratings(
    ratings: pd.DataFrame, key: pd.DataFrame, raters: pd.DataFrame, dimension: str | None = None
) -> pd.DataFrame:
    """Long table: one row per rating with its reply's source and the rater's demographics.

    With several rating dimensions, ``dimension`` picks one (default: every dimension).
    """
    rated = key[key["condition"] != "attention"]
    cols = [c for c in KEY_COLUMNS if c in rated]
    frame = ratings.dropna(subset=["rating"])
    if dimension is not None and "dimension" in frame:
        frame = frame[frame["dimension"] == dimension]
    frame = frame.merge(rated[cols], on="question_id", how="inner")
    demo = raters.drop(columns=["excluded_at", "sigma", "mae"], errors="ignore")
    return frame.merge(demo, left_on="rater_id", right_index=True, how="left")


def model_order(key: pd.DataFrame) -> list[str]:
    """Models (run labels) in pair-set order (A before B), each once."""
    models = key[key["condition"].isin(["zs", "ft"])].sort_values(["pair_set", "side"])
    return list(dict.fromkeys(models["model"]))


def model_names(key: pd.DataFrame) -> dict[str, str]:
    """Run label -> the name tables show: the display name, or the label where it is shared."""
    models = key[key["condition"].isin(["zs", "ft"])].drop_duplicates("model")
    shown = dict(zip(models["model"], models["display_name"].astype(str), strict=True))
    counts = pd.Series(list(shown.values())).value_counts()
    return {m: (n if counts[n] == 1 else m) for m, n in shown.items()}


def mean_ratings(joined: pd.DataFrame) -> pd.DataFrame:
    """Mean, SD and counts per model x condition x scenario (reference included)."""
    by = [c for c in ("dimension", "model", "condition", "scenario") if c in joined]
    grouped = joined.groupby(by, sort=False)
    table = grouped["rating"].agg(mean="mean", sd="std", n="size").reset_index()
    table["n_raters"] = grouped["rater_id"].nunique().to_numpy()
    return table


def table4(joined: pd.DataFrame, key: pd.DataFrame) -> pd.DataFrame:
    """Table 4 in long form: per model x scenario, ZS vs FT winner and reference wins.

    The winner is the condition with the higher mean rating (a tie when equal). The
    reference reply shown beside the model's replies wins a comparison for each of the ZS
    and FT means it is rated above (``ref_points``, 0..2; empty where no reference was shown,
    as in Study B's design).
    """
    rows = []
    names = model_names(key)
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
                    "display_name": names[model],
                    "scenario": scenario,
                    "zs_mean": zs,
                    "ft_mean": ft,
                    "winner": winner,
                    "ref_mean": ref,
                    "ref_points": int(ref > zs) + int(ref > ft) if pd.notna(ref) else None,
                }
            )
    return pd.DataFrame(rows)


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else ""


def table4_wide(long: pd.DataFrame) -> pd.DataFrame:
    """The study's Table 4: scenario rows x model columns, then the summary columns.

    A model cell is ``FT (2.90/3.45)``: the winner and the ZS/FT means. Per scenario:
    ``ZS wins`` and ``FT wins`` (share of models), ``ties`` (count) and ``reference``: the
    share of the scenario's ZS and FT means that its reference replies were rated above
    (the study's "proportion of responses rated higher than both ZS and FT models"). The
    ``total`` row gives the same over all scenarios as counts (e.g. reference 72/96).
    """
    long = long.copy()
    long["cell"] = [
        f"{w} ({z:.2f}/{f:.2f})"
        for w, z, f in zip(long["winner"], long["zs_mean"], long["ft_mean"], strict=True)
    ]
    models = list(dict.fromkeys(long["display_name"]))
    order = scenario_order(long["scenario"].unique())
    wide = long.pivot(index="scenario", columns="display_name", values="cell")
    wide = wide.reindex(index=order, columns=models)
    totals = {m: _model_total(g) for m, g in long.groupby("display_name", sort=False)}
    wide.loc["total"] = [totals[m] for m in models]
    summary = {s: _scenario_summary(long[long["scenario"] == s], share=True) for s in order}
    summary["total"] = _scenario_summary(long, share=False)
    wide = wide.join(pd.DataFrame(summary).T)
    return wide.reset_index().rename(columns={"index": "scenario"})


def _model_total(g: pd.DataFrame) -> str:
    zs, ft = int((g["winner"] == "ZS").sum()), int((g["winner"] == "FT").sum())
    return f"ZS {zs}, FT {ft}, tie {len(g) - zs - ft}"


def _scenario_summary(g: pd.DataFrame, share: bool) -> dict[str, str]:
    n, zs, ft = len(g), int((g["winner"] == "ZS").sum()), int((g["winner"] == "FT").sum())
    ref_won, ref_n = int(g["ref_points"].sum()), 2 * int(g["ref_points"].notna().sum())
    if not ref_n:
        return {
            "ZS wins": _pct(zs, n) if share else f"{zs}/{n}",
            "FT wins": _pct(ft, n) if share else f"{ft}/{n}",
            "ties": str(n - zs - ft),
            "reference": "not shown",
        }
    if share:
        return {
            "ZS wins": _pct(zs, n),
            "FT wins": _pct(ft, n),
            "ties": str(n - zs - ft),
            "reference": _pct(ref_won, ref_n),
        }
    return {
        "ZS wins": f"{zs}/{n}",
        "FT wins": f"{ft}/{n}",
        "ties": str(n - zs - ft),
        "reference": f"{ref_won}/{ref_n}",
    }


def headline(long: pd.DataFrame) -> str:
    """The study's headline sentence, from Table 4's long form."""
    zs, ft = int((long["winner"] == "ZS").sum()), int((long["winner"] == "FT").sum())
    ties = len(long) - zs - ft
    shown = int(long["ref_points"].notna().sum())
    if not shown:
        return f"ZS models beat FT in {zs} cases, FT beat ZS in {ft} ({ties} ties); no reference."
    return (
        f"ZS models beat FT in {zs} cases, FT beat ZS in {ft} ({ties} ties), and the reference "
        f"replies won {int(long['ref_points'].sum())}/{2 * shown} comparisons."
    )
