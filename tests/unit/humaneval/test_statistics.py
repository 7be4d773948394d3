"""Each statistic finds what was planted in synthetic ratings, and nothing else.

The generator plants one thing at a time in a small crossed design (raters x replies):
a group effect, rater leniency, per-item or per-scenario effects, agreement, a paired
fine-tuning gain. Seeds are fixed, so each check is deterministic.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tide_exp.humaneval.demographics import (
    demographic_tests,
    per_item_tests,
    region_by_scenario_group,
)
from tide_exp.humaneval.demotable import table3
from tide_exp.humaneval.mixed import mixed_effects, ordinal_effects
from tide_exp.humaneval.paired_tests import paired_tests, rank_biserial
from tide_exp.humaneval.reliability import icc_table, krippendorff_table
from tide_exp.humaneval.survey import SCENARIO_ORDER


def design(n_raters=40, n_items=24, seed=0, effect=None, lenient=None, item_sd=0.4, noise=0.7):
    """Ratings (rounded to 1..5) of ``n_items`` items x 2 model replies by every rater.

    Args:
        effect: (rater, question_id, scenario) -> added points.
        lenient: rater -> added points (rater leniency).
    """
    rng = np.random.default_rng(seed)
    raters = pd.DataFrame(
        {
            "age": [70 if r % 2 else 30 for r in range(n_raters)],
            # independent of age (r % 2) and of each other
            "region": [
                ["West", "South", "Midwest", "Northeast"][(r // 2) % 4] for r in range(n_raters)
            ],
            "gender": [["Woman", "Man"][(r // 8) % 2] for r in range(n_raters)],
        },
        index=pd.Index([f"r{r:02d}" for r in range(n_raters)], name="rater_id"),
    )
    rows = []
    for i in range(n_items):
        scenario = SCENARIO_ORDER[i % 6]
        for cond in ("zs", "ft"):
            qid, base = f"I{i + 1:02d}_{1 if cond == 'zs' else 2}", 3 + rng.normal(0, item_sd)
            for rid in raters.index:
                y = base + rng.normal(0, noise) + (lenient or {}).get(rid, 0)
                y += effect(raters.loc[rid], qid, scenario) if effect else 0
                rows.append(
                    {
                        "rater_id": rid,
                        "question_id": qid,
                        "item_id": qid[:3],
                        "model": "m",
                        "condition": cond,
                        "scenario": scenario,
                        "example_id": f"e{i}",
                        "rating": float(np.clip(np.rint(y), 1, 5)),
                    }
                )
    return pd.DataFrame(rows), raters


def old_plus(points):
    return lambda rater, qid, scenario: points if rater["age"] >= 60 else 0.0


def test_group_effect_found_at_both_levels():
    joined, raters = design(effect=old_plus(0.6), lenient=None)
    demo = demographic_tests(joined, raters).set_index(["level", "unit", "factor"])
    for level in ("rating", "rater"):
        row = demo.loc[(level, "m", "age")]
        assert row["significant"] and row["effect"] > 0.3, level
        assert not demo.loc[(level, "m", "gender"), "significant"]
        assert not demo.loc[(level, "m", "region"), "significant"]


LENIENT = {"r01": 1.5, "r03": 1.5, "r05": 1.0}


def test_effect_only_at_the_rating_level_vanishes_at_the_rater_level():
    # No group effect: three older raters are simply lenient. Counting each of their 48
    # ratings as evidence makes "age" significant; one mean per rater does not.
    joined, raters = design(n_raters=16, effect=None, lenient=LENIENT, seed=3)
    demo = demographic_tests(joined, raters).set_index(["level", "unit", "factor"])
    assert demo.loc[("rating", "m", "age"), "p"] < 0.001
    assert demo.loc[("rating", "m", "age"), "significant"]
    assert not demo.loc[("rater", "m", "age"), "significant"]


# two REML fits of a crossed model: a few seconds
def test_mixed_model_recovers_the_planted_effect_and_not_leniency():
    joined, raters = design(n_raters=24, n_items=12, effect=old_plus(0.6))
    age = mixed_effects(joined, raters, factors=("age",)).iloc[0]
    assert age["contrast"] == ">=60 - <60" and age["ci_low"] <= 0.6 <= age["ci_high"]
    assert age["ci_low"] > 0 and age["p"] < 0.01 and age["converged"]
    joined, raters = design(n_raters=16, n_items=12, effect=None, lenient=LENIENT, seed=3)
    age = mixed_effects(joined, raters, factors=("age",)).iloc[0]
    assert age["ci_low"] < 0 < age["ci_high"] and age["rater_var"] > 0.1


def test_region_effect_in_acute_scenarios_only():
    def west_acute(rater, qid, scenario):
        return 1.0 if rater["region"] == "West" and scenario in ("panic", "abuse_memory") else 0

    joined, raters = design(effect=west_acute)
    table = region_by_scenario_group(joined, raters).set_index(["level", "scenario_group"])
    assert table.loc[("rater", "acute_distress"), "significant"]
    assert not table.loc[("rater", "depression_grief"), "significant"]
    assert table.loc[("rater", "acute_distress"), "test"] == "one-way ANOVA"
    assert table.loc[("rater", "acute_distress"), "df"] == "3, 36"


def test_per_item_test_finds_the_one_item():
    joined, raters = design(effect=lambda r, q, s: 1.5 if r["age"] >= 60 and q[:3] == "I17" else 0)
    table = per_item_tests(joined, raters)
    hits = table[table["significant"]]
    assert hits[["item_id", "factor"]].values.tolist() == [["I17", "age"]]


def test_alpha_and_icc_near_one_for_agreeing_raters_near_zero_for_random():
    agree, _ = design(n_raters=8, noise=0.05, item_sd=1.2)
    rng = np.random.default_rng(1)
    random = agree.assign(rating=rng.integers(1, 6, len(agree)).astype(float))
    high = krippendorff_table(agree, n_boot=100).set_index("scope")
    low = krippendorff_table(random, n_boot=100).set_index("scope")
    assert high.loc["all", "alpha_ordinal"] > 0.9 and high.loc["all", "ci_low"] > 0.8
    assert abs(low.loc["all", "alpha_ordinal"]) < 0.1
    assert low.loc["all", "ci_low"] < 0 < low.loc["all", "ci_high"]
    assert list(high.index) == ["all", *SCENARIO_ORDER]
    icc_high = icc_table(agree).set_index("type")
    icc_low = icc_table(random).set_index("type")
    assert icc_high.loc["ICC2", "icc"] > 0.9 and icc_high.loc["ICC2", "ci_low"] > 0.8
    assert abs(icc_low.loc["ICC2", "icc"]) < 0.1
    assert icc_low.loc["ICC2", "ci_low"] < 0 < icc_low.loc["ICC2", "ci_high"]


def test_wilcoxon_finds_the_fine_tuning_gain_on_one_dimension():
    frames = []
    for dim, gain in (("empathic_resonance", 1.2), ("conversational_coherence", 0.0)):
        joined, _ = design(
            n_raters=5,
            n_items=30,
            seed=7,
            effect=lambda r, q, s, g=gain: g if q.endswith("_2") else 0,
        )
        frames.append(joined.assign(dimension=dim))
    table = paired_tests(pd.concat(frames)).set_index("dimension")
    gain = table.loc["empathic_resonance"]
    assert gain["significant"] and gain["ft_mean"] > gain["zs_mean"] + 0.8
    assert gain["rank_biserial"] > 0.8 and gain["n_prompts"] == 30
    flat = table.loc["conversational_coherence"]
    assert not flat["significant"] and abs(flat["rank_biserial"]) < 0.5
    assert rank_biserial(np.array([1.0, 2.0, -0.5, 0.0])) == pytest.approx((3 + 2 - 1) / 6)


def test_table3_describes_the_kept_raters():
    raters = pd.DataFrame(
        {"age": [24, 40, 64, None], "gender": ["Woman", "Man", "Woman", None]},
        index=pd.Index(list("abcd"), name="rater_id"),
    )
    t3 = table3(raters).set_index(["characteristic", "value"])
    assert t3.loc[("age", "mean (SD)"), "stat"] == "42.7 (20.1)"
    assert t3.loc[("age", "range"), "stat"] == "24-64"
    assert t3.loc[("gender", "Woman"), "n"] == 2 and t3.loc[("gender", "Woman"), "share"] == 50
    assert t3.loc[("gender", "Other/Unknown"), "n"] == 1  # a missing answer (issue 30, item 6)


def test_icc_equals_pingouin():
    pingouin = pytest.importorskip("pingouin")
    joined, _ = design(n_raters=6, n_items=8, seed=5)
    ours = icc_table(joined).set_index("type")
    long = joined[["question_id", "rater_id", "rating"]]
    ref = pingouin.intraclass_corr(long, "question_id", "rater_id", "rating").set_index("Type")
    assert ours["icc"].to_numpy() == pytest.approx(ref.loc[ours.index, "ICC"].to_numpy())
    assert ours["p"].to_numpy() == pytest.approx(ref.loc[ours.index, "pval"].to_numpy())
    low = [c[0] for c in ref.loc[ours.index, "CI95%"]]
    high = [c[1] for c in ref.loc[ours.index, "CI95%"]]
    assert ours["ci_low"].to_numpy() == pytest.approx(low, abs=0.006)  # pingouin rounds to .01
    assert ours["ci_high"].to_numpy() == pytest.approx(high, abs=0.006)


def test_ordinal_model_with_rater_clusters_finds_effects_not_leniency():
    joined, raters = design(n_raters=24, n_items=12, effect=old_plus(0.6), seed=3)
    age = ordinal_effects(joined, raters, factors=("age",)).iloc[0]
    assert age["contrast"] == ">=60 - <60" and age["ci_low"] > 0 and age["odds_ratio"] > 2
    joined, raters = design(n_raters=24, n_items=12, lenient=LENIENT, seed=3)
    age = ordinal_effects(joined, raters, factors=("age",)).iloc[0]
    assert age["ci_low"] < 0 < age["ci_high"]


@pytest.mark.parametrize(
    ("ratings", "icc_reason", "alpha_reason"),
    [
        ("constant", "every rating is the same value", "every rating is the same value"),
        ("identical_raters", "raters agree exactly", None),
        (
            "one_rater",
            "needs 3 or more replies rated by every kept rater and 2 or more raters",
            "fewer than two replies",
        ),
    ],
)
def test_degenerate_ratings_say_why_a_statistic_cannot_be_computed(
    ratings, icc_reason, alpha_reason
):
    joined, _ = design(n_raters=6, noise=0.3, item_sd=1.0)
    if ratings == "constant":
        joined = joined.assign(rating=3.0)
    elif ratings == "identical_raters":  # every rater gives a reply the first rater's rating
        first = joined[joined["rater_id"] == joined["rater_id"].iloc[0]].set_index("question_id")
        joined = joined.assign(rating=joined["question_id"].map(first["rating"]))
    else:
        joined = joined[joined["rater_id"] == joined["rater_id"].iloc[0]]
    icc = icc_table(joined)
    assert len(icc) == 1 and icc_reason in icc.loc[0, "note"] and "icc" not in icc
    alpha = krippendorff_table(joined, n_boot=20).set_index("scope")
    if alpha_reason:
        assert (
            np.isnan(alpha.loc["all", "alpha_ordinal"]) and alpha_reason in alpha.loc["all", "note"]
        )
    else:
        assert alpha.loc["all", "alpha_ordinal"] == pytest.approx(1.0)  # perfect agreement: defined


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("constant_ratings", "every rating is the same value"),
        ("constant_age", "every rater has the same age"),
        ("three_raters", "3 raters, the model needs 4 or more"),
    ],
)
def test_the_mixed_model_says_why_it_is_not_fitted(change, reason):
    joined, raters = design(n_raters=8, n_items=6)
    if change == "constant_ratings":
        joined = joined.assign(rating=4.0)
    elif change == "constant_age":
        raters = raters.assign(age=30)
    else:
        keep = raters.index[:3]
        joined, raters = joined[joined["rater_id"].isin(keep)], raters.loc[keep]
    (row,) = mixed_effects(joined, raters, factors=("age",)).to_dict("records")
    assert reason in row["note"] and "p" not in row and "converged" not in row
