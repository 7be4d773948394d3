"""Quality control: planted bad raters removed exactly, steps in the study's order."""

from __future__ import annotations

import pandas as pd
import pytest

from tide_exp.humaneval.errors import SurveyConfigError, SurveyInputError
from tide_exp.humaneval.qc import QCRules, read_gold, run_qc
from tide_exp.humaneval.ratings import read_ratings
from tide_exp.humaneval.survey import LIKERT_LABELS

from . import fakes

STEPS = [
    "collected",
    "preview_or_test",
    "duration_window",
    "attention_check",
    "early_exit",
    "too_fast",
    "straight_lining",
]


def _load(tmp_path, key, wide):
    path = tmp_path / "export.csv"
    path.write_text(fakes.qualtrics_export(wide))
    return read_ratings(path, list(key["question_id"]), LIKERT_LABELS)


def _gold(synthetic):
    return synthetic[1].set_index("question_id")["gold"]


def test_planted_raters_removed_exactly(tmp_path, key, synthetic):
    result = run_qc(_load(tmp_path, key, synthetic[0]), key, _gold(synthetic))
    excluded = result.raters["excluded_at"].dropna().to_dict()
    assert excluded == {"R_fast": "duration_window", "R_flat": "straight_lining"}
    assert [s["step"] for s in result.steps] == STEPS
    assert [s["remaining"] for s in result.steps] == [100, 100, 99, 99, 99, 99, 98]
    assert set(result.ratings["rater_id"]) == set(result.kept) and len(result.kept) == 98
    assert not result.ratings["question_id"].str.startswith("ATTN").any()


def test_too_fast_step_when_window_is_off(tmp_path, key, synthetic):
    rules = QCRules(duration_window=None)
    result = run_qc(_load(tmp_path, key, synthetic[0]), key, _gold(synthetic), rules)
    assert result.raters.loc["R_fast", "excluded_at"] == "too_fast"
    assert any("window not applied" in n for n in result.notes)


def test_attention_and_early_exit(tmp_path, key, synthetic):
    wide = synthetic[0].head(6).astype(object)
    wide.loc[2, "ATTN_1"] = 4  # wrong attention answer
    wide.loc[3, "Finished"] = "False"  # left early
    wide.loc[4, "I03_2"] = ""  # skipped a rating
    result = run_qc(_load(tmp_path, key, wide), key, _gold(synthetic))
    got = result.raters["excluded_at"].dropna().to_dict()
    assert got == {
        "R_fast": "duration_window",
        "R_002": "attention_check",
        "R_003": "early_exit",
        "R_004": "early_exit",
        "R_flat": "straight_lining",
    }


def test_straight_lining_needs_both_conditions(tmp_path, key, synthetic):
    wide, gold = synthetic[0].head(4).copy(), _gold(synthetic)
    qids = list(gold.index)
    # low spread but close to gold: kept (the rule is sigma < 0.6 AND MAE > 0.9)
    flat_gold = pd.Series(3.0, index=gold.index)
    wide.loc[2, qids] = 3
    result = run_qc(_load(tmp_path, key, wide), key, flat_gold)
    assert pd.isna(result.raters.loc["R_002", "excluded_at"])
    assert result.raters.loc["R_002", "sigma"] == 0 and result.raters.loc["R_002", "mae"] == 0


def test_no_gold_skips_rule_with_a_note(tmp_path, key, synthetic):
    result = run_qc(_load(tmp_path, key, synthetic[0]), key, None)
    assert pd.isna(result.raters.loc["R_flat", "excluded_at"])
    assert any("--gold" in n for n in result.notes)


def test_read_gold_by_triple_and_bad_value(tmp_path, key):
    rows = key[key["condition"] != "attention"][["example_id", "model", "condition"]].copy()
    rows["score"] = 4.0
    rows.to_csv(tmp_path / "g.csv", index=False)
    gold = read_gold(tmp_path / "g.csv", key)
    assert len(gold) == 120 and (gold == 4.0).all()
    (tmp_path / "b.csv").write_text("question_id,gold\nI01_1,4\nI01_2,high\n")
    with pytest.raises(SurveyInputError, match=r"b.csv:3:2: gold score 'high' is not a number"):
        read_gold(tmp_path / "b.csv", key)
    (tmp_path / "b.csv").write_text("question_id,gold\nI01_1,4\nI01_2,6\n")
    with pytest.raises(
        SurveyInputError, match=r"b.csv:3:2: gold score '6' is not a number in 1..5"
    ):
        read_gold(tmp_path / "b.csv", key)
    (tmp_path / "b.csv").write_text("question_id,gold\nI01_1,4\nI99_2,3\n")
    with pytest.raises(SurveyInputError, match=r"b.csv:3: 'I99_2' is no reply of this key"):
        read_gold(tmp_path / "b.csv", key)
    # A blank id (a Hypothesis draw once found it raising KeyError) is the one-line error.
    (tmp_path / "b.csv").write_text("question_id,gold\nI01_1,4\n ,3\n")
    with pytest.raises(SurveyInputError, match=r"b.csv:3: blank question_id\. Fix: "):
        read_gold(tmp_path / "b.csv", key)
    (tmp_path / "b.csv").write_text("example_id,model,condition,gold\n,,,3\n")
    with pytest.raises(SurveyInputError, match=r"b.csv:2: blank example_id, model and condition"):
        read_gold(tmp_path / "b.csv", key)


def test_sigma_basis_is_an_option_printed_in_the_report(key, synthetic, tmp_path):
    from tide_exp.humaneval.qc import QCRules, qc_report_markdown

    wide, gold = synthetic
    path = tmp_path / "w.csv"
    wide.to_csv(path, index=False)
    data = read_ratings(path, list(key["question_id"]))
    gold = gold.set_index("question_id")["gold"]
    every = run_qc(data, key, gold, QCRules(sigma_basis="all"))
    models = run_qc(data, key, gold, QCRules(sigma_basis="models"))
    assert "basis (all): all rated replies" in qc_report_markdown(every)
    assert "basis (models): the rater's ratings of model replies only" in qc_report_markdown(models)
    rater = "R_002"
    mine = data.ratings[data.ratings["rater_id"] == rater].set_index("question_id")["rating"]
    model_ids = key.loc[key["condition"].isin(["zs", "ft"]), "question_id"]
    assert models.raters.loc[rater, "sigma"] == pytest.approx(mine[model_ids].std())
    assert every.raters.loc[rater, "sigma"] == pytest.approx(mine.drop("ATTN_1").std())
    with pytest.raises(SurveyConfigError, match="sigma_basis must be one of"):
        QCRules(sigma_basis="items")


@pytest.mark.parametrize(
    "marks",
    [
        {"Status": "Survey Preview", "DistributionChannel": "preview"},
        {"Status": "Survey Test", "DistributionChannel": "test"},
        {"Status": "1"},  # the numeric-values export's code of Survey Preview
        {"Status": "2"},  # ... of Survey Test
        {"DistributionChannel": "preview"},  # no Status column
        {"Status": "Spam"},
    ],
    ids=lambda m: ",".join(f"{k}={v}" for k, v in m.items()),
)
def test_preview_test_and_spam_responses_are_left_out_and_counted(tmp_path, key, synthetic, marks):
    """Issue 31: Qualtrics "Survey Preview" and test responses counted as raters."""
    wide = synthetic[0].head(6).astype(object)
    numeric = marks.get("Status", "").isdigit()
    for column, value in marks.items():
        wide[column] = (
            "0" if numeric else ("anonymous" if column == "DistributionChannel" else "IP Address")
        )
        wide.loc[3, column] = value
    result = run_qc(_load(tmp_path, key, wide), key, _gold(synthetic))
    step = result.steps[1]
    assert step["step"] == "preview_or_test" and step["raters"] == ["R_003"]
    assert result.raters.loc["R_003", "excluded_at"] == "preview_or_test"
    assert "R_003" not in set(result.ratings["rater_id"]) and len(result.kept) == 3


def _drop_item(wide, item):
    return wide.drop(columns=[c for c in wide.columns if c.startswith(item + "_")])


def _blank_item(wide, item):
    wide = wide.astype(object)
    wide.loc[:, [c for c in wide.columns if c.startswith(item + "_")]] = ""
    return wide


@pytest.mark.parametrize("damage", [_drop_item, _blank_item])
def test_an_item_missing_from_the_export_is_named_not_blamed_on_every_rater(
    tmp_path, key, synthetic, damage
):
    """Issue 31: an export missing one item's columns made every rater an "early exit"."""
    item = str(key.loc[key["condition"] != "attention", "question_id"].iloc[6]).split("_")[0]
    result = run_qc(_load(tmp_path, key, damage(synthetic[0], item)), key, _gold(synthetic))
    assert len(result.kept) == 98  # as without the damage: R_fast and R_flat only
    (note,) = [n for n in result.notes if "missing from the export" in n]
    assert item in note


def test_a_missing_attention_column_is_said_not_passed_by_everyone(tmp_path, key, synthetic):
    wide = synthetic[0].drop(columns=["ATTN_1"])
    result = run_qc(_load(tmp_path, key, wide), key, _gold(synthetic))
    assert any("attention check not applied" in n for n in result.notes)
