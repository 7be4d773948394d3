"""Analysis: Table 4 rules, planted demographic effect found (and only it), metric agreement."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tide_exp.humaneval.agreement import fieller_ci, metric_agreement
from tide_exp.humaneval.demographics import cohens_d, demographic_tests, holm, is_graduate
from tide_exp.humaneval.qc import run_qc
from tide_exp.humaneval.rating_tables import headline, join_ratings, table4, table4_wide
from tide_exp.humaneval.ratings import read_ratings

from . import fakes


@pytest.fixture(scope="module")
def joined(key, synthetic, tmp_path_factory):
    path = tmp_path_factory.mktemp("ratings") / "export.csv"
    path.write_text(fakes.qualtrics_export(synthetic[0]))
    data = read_ratings(path, list(key["question_id"]))
    result = run_qc(data, key, synthetic[1].set_index("question_id")["gold"])
    kept = result.raters[result.raters["excluded_at"].isna()]
    return join_ratings(result.ratings, key, kept), kept


def test_planted_age_effect_found_and_nothing_else(joined, key):
    frame, raters = joined
    demo = demographic_tests(frame, raters)
    assert set(demo["factor"]) == {"age", "education", "gender", "region", "race"}
    assert set(demo["level"]) == {"rating", "rater"}
    demo = demo[demo["level"] == "rater"]
    hits = demo[demo["significant"]]
    per_model = hits[hits["unit"] != "all"]  # the pooled row may carry the diluted effect
    assert per_model[["unit", "factor"]].values.tolist() == [["qwen2_5_3b", "age"]]
    row = demo[(demo["unit"] == "qwen2_5_3b") & (demo["factor"] == "age")].iloc[0]
    assert row["test"] == "Welch t" and row["effect"] > 1.5  # older raters rate it higher
    assert hits["factor"].eq("age").all()
    region = demo[demo["factor"] == "region"]
    assert region["test"].eq("one-way ANOVA").all() and region["effect"].between(0, 1).all()


def test_table4_wins_and_reference_points():
    key = pd.DataFrame(
        {
            "question_id": ["I01_1", "I01_2", "I01_3", "I02_1", "I02_2", "I02_3"],
            "item_id": ["I01"] * 3 + ["I02"] * 3,
            "pair_set": 1,
            "side": ["A", "A", "reference"] * 2,
            "model": ["m", "m", "reference"] * 2,
            "display_name": ["M", "M", "Reference"] * 2,
            "condition": ["zs", "ft", "reference"] * 2,
            "scenario": ["panic"] * 3 + ["grief_anger"] * 3,
            "example_id": ["e1"] * 3 + ["e2"] * 3,
        }
    )
    ratings = pd.DataFrame(
        {
            "rater_id": "r",
            "question_id": key["question_id"],
            "rating": [2.0, 4.0, 5.0, 3.0, 2.0, 2.5],
        }
    )
    joined = join_ratings(ratings, key, pd.DataFrame(index=pd.Index(["r"], name="rater_id")))
    t4 = table4(joined, key).set_index("scenario")
    assert t4.loc["panic", "winner"] == "FT" and t4.loc["panic", "ref_points"] == 2
    assert t4.loc["grief_anger", "winner"] == "ZS" and t4.loc["grief_anger", "ref_points"] == 1
    wide = table4_wide(t4.reset_index())
    assert wide["scenario"].tolist() == ["panic", "grief_anger", "total"]
    assert wide["M"].tolist() == ["FT (2.00/4.00)", "ZS (3.00/2.00)", "ZS 1, FT 1, tie 0"]
    assert wide["ZS wins"].tolist() == ["0.0%", "100.0%", "1/2"]
    assert wide["FT wins"].tolist() == ["100.0%", "0.0%", "1/2"]
    assert wide["ties"].tolist() == ["0", "0", "0"]
    # reference replies rated above 2 of 2 ZS/FT means in panic, 1 of 2 in grief: 3/4
    assert wide["reference"].tolist() == ["100.0%", "50.0%", "3/4"]
    assert headline(t4) == (
        "ZS models beat FT in 1 cases, FT beat ZS in 1 (0 ties), and the reference replies "
        "won 3/4 comparisons."
    )


def test_metric_agreement_finds_a_tracking_metric():
    rng = np.random.default_rng(0)
    n = 60
    key = pd.DataFrame({"question_id": [f"I{i:02d}_1" for i in range(n)], "condition": "zs"})
    human = rng.uniform(1, 5, n)
    key["score_good"] = human + rng.normal(0, 0.3, n)
    key["score_noise"] = rng.normal(0, 1, n)
    joined = pd.DataFrame({"question_id": key["question_id"], "rating": human})
    agree = metric_agreement(joined, key).set_index("metric")
    assert agree.loc["good", "spearman_rho"] > 0.8 and agree.loc["good", "ci_low"] > 0.6
    assert agree.loc["noise", "ci_low"] < 0 < agree.loc["noise", "ci_high"]
    boot = metric_agreement(joined, key, method="bootstrap").set_index("metric")
    assert (
        boot.loc["good", "ci_low"] < boot.loc["good", "spearman_rho"] < boot.loc["good", "ci_high"]
    )


def test_stat_helpers():
    assert holm(pd.Series([0.01, 0.04, 0.03])).tolist() == pytest.approx([0.03, 0.06, 0.06])
    assert cohens_d(np.array([2.0, 3.0, 4.0]), np.array([1.0, 2.0, 3.0])) == pytest.approx(1.0)
    lo, hi = fieller_ci(0.5, 103)
    assert lo < 0.5 < hi and hi - lo == pytest.approx(0.30, abs=0.02)
    assert [
        is_graduate(v)
        for v in [
            "Master's degree",
            "Undergraduate degree (BA/BSc)",
            "Doctorate degree (PhD/other)",
            "High school",
        ]
    ] == [True, False, True, False]
