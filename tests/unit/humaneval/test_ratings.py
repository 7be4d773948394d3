"""Ratings import: Qualtrics exports, long files, Prolific demographics, precise errors."""

from __future__ import annotations

import pandas as pd
import pytest

from tide_exp.humaneval.errors import SurveyInputError
from tide_exp.humaneval.ratings import read_ratings
from tide_exp.humaneval.survey import LIKERT_LABELS

from . import fakes


def test_qualtrics_export_with_label_answers(tmp_path, key, synthetic):
    wide, _ = synthetic
    path = tmp_path / "export.csv"
    path.write_text(fakes.qualtrics_export(wide.head(5)))
    data = read_ratings(path, list(key["question_id"]), LIKERT_LABELS)
    assert data.ratings["rater_id"].nunique() == 5
    assert len(data.ratings) == 5 * len(key)
    got = data.ratings.set_index(["rater_id", "question_id"])["rating"]
    assert got["R_002", "I01_1"] == wide.set_index("ResponseId").loc["R_002", "I01_1"]
    assert data.raters.loc["R_fast", "duration_min"] == pytest.approx(4.0)
    assert bool(data.raters.loc["R_flat", "finished"])


def test_long_format_and_prolific_demographics(tmp_path, key):
    long = pd.DataFrame(
        {
            "PROLIFIC_PID": ["a", "a", "b"],
            "question_id": ["I01_1", "I01_2", "I01_1"],
            "rating": ["4", "5", "2 - Slightly empathetic"],
        }
    )
    long.to_csv(tmp_path / "long.csv", index=False)
    pd.DataFrame(
        {
            "Participant id": ["a", "b"],
            "Age": ["64", "CONSENT_REVOKED"],
            "Sex": ["Female", "Male"],
            "Ethnicity simplified": ["White", "Black"],
            "Time taken": ["1800", "900"],
            "Status": ["APPROVED", "RETURNED"],
        }
    ).to_csv(tmp_path / "prolific.csv", index=False)
    data = read_ratings(
        tmp_path / "long.csv",
        list(key["question_id"]),
        LIKERT_LABELS,
        demographics=tmp_path / "prolific.csv",
    )
    assert data.ratings["rating"].tolist() == [4.0, 5.0, 2.0]
    assert data.raters.loc["a", "age"] == 64 and pd.isna(data.raters.loc["b", "age"])
    assert data.raters.loc["b", "duration_min"] == 15
    assert data.raters.loc["a", "race"] == "White" and data.raters.loc["b", "status"] == "RETURNED"


def test_bad_rating_names_line_and_column(tmp_path, key):
    path = tmp_path / "wide.csv"
    path.write_text("ResponseId,Finished,I01_1,I01_2\nr1,True,3,4\nr2,True,7,4\n")
    with pytest.raises(SurveyInputError) as err:
        read_ratings(path, list(key["question_id"]))
    assert f"{path}:3:3: rating '7'" in str(err.value) and "Fix:" in str(err.value)


def test_qualtrics_bad_cell_line_counts_header_rows(tmp_path, key):
    path = tmp_path / "q.csv"
    path.write_text('ResponseId,I01_1\nResponse ID,Q\n"{""ImportId"":""x""}",x\nr1,3\nr2,abc\n')
    with pytest.raises(SurveyInputError, match=r"q.csv:5:2: rating 'abc'"):
        read_ratings(path, list(key["question_id"]))


def test_missing_columns_are_explained(tmp_path, key):
    path = tmp_path / "x.csv"
    path.write_text("name,score\nx,3\n")
    with pytest.raises(SurveyInputError, match="no rater id column"):
        read_ratings(path, list(key["question_id"]))
    path.write_text("rater_id,foo\nx,3\n")
    with pytest.raises(SurveyInputError, match="no rating columns"):
        read_ratings(path, list(key["question_id"]))


def test_prolific_asset_fills_missing_demographics(tmp_path, key):
    from pathlib import Path

    asset = Path(__file__).parents[2] / "assets" / "humaneval" / "prolific_demographics.csv"
    (tmp_path / "r.csv").write_text("PROLIFIC_PID,I01_1\nR_002,4\nR_003,3\nR_004,2\n")
    data = read_ratings(tmp_path / "r.csv", list(key["question_id"]), demographics=asset)
    raters = data.raters
    assert raters.loc["R_002", "age"] == 64 and raters.loc["R_002", "duration_min"] == 30.5
    assert raters.loc["R_003", "education"].startswith("Undergraduate")
    assert raters.loc["R_004", "status"] == "RETURNED" and pd.isna(raters.loc["R_004", "age"])
